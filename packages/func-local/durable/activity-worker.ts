import type { RegisteredFunction } from '../app/capture';
import type { InvocationResponse, RpcTypedData } from '../app/core-api';
import type { DurableSettings } from './durable-settings';
import type { ControlMessage, TaskResult, WorkItem, WorkItemMessage } from './messages';
import { Gate, QueuePoller } from './queue-poller';
import type { ReceivedMessage } from './queue-transport';
import type { StorageHealth } from './storage-health';
import type { TaskHubStorage } from './task-hub-storage';

export interface ActivityWorkerDependencies {
  storage: TaskHubStorage;
  settings: DurableSettings;
  findActivity(name: string): RegisteredFunction | undefined;
  invoke(fn: RegisteredFunction, data: RpcTypedData | null): Promise<InvocationResponse>;
  sendControl(message: ControlMessage): Promise<void>;
  log(level: 'warning' | 'error', message: string): void;
  health: StorageHealth;
}

/** JSON text of an activity's return value as the programming model hands it back. */
export function encodeResult(value: RpcTypedData | null | undefined): string | null {
  if (!value) return null;
  if (typeof value.json === 'string') return value.json;
  if (typeof value.string === 'string') return JSON.stringify(value.string);
  if (typeof value.int === 'number') return String(value.int);
  if (typeof value.double === 'number') return String(value.double);
  if (value.bytes) return JSON.stringify(Buffer.from(value.bytes).toString('base64'));
  return null;
}

const RESULT_FLUSH_MS = 15;
const RESULTS_PER_MESSAGE = 64;
const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 5_000;
const RESULT_CHARS_PER_MESSAGE = 40_000;

interface PendingResults {
  instanceId: string;
  executionId: string;
  results: TaskResult[];
  chars: number;
  waiters: { resolve: () => void; reject: (error: unknown) => void }[];
  timer: NodeJS.Timeout | undefined;
}

/** Gathers activity results per orchestration execution into few `TaskResults` control messages. */
class ResultBatcher {
  private readonly pending = new Map<string, PendingResults>();

  constructor(private readonly send: (message: ControlMessage) => Promise<void>) {}

  /** Resolves once the result is stored in the orchestration's control queue. */
  add(item: WorkItem, result: TaskResult): Promise<void> {
    const key = `${item.instanceId}|${item.executionId}`;
    let batch = this.pending.get(key);
    if (!batch) {
      batch = {
        instanceId: item.instanceId,
        executionId: item.executionId,
        results: [],
        chars: 0,
        waiters: [],
        timer: undefined,
      };
      this.pending.set(key, batch);
    }
    const current = batch;
    current.results.push(result);
    current.chars += JSON.stringify(result).length;
    const done = new Promise<void>((resolve, reject) => current.waiters.push({ resolve, reject }));
    if (current.results.length >= RESULTS_PER_MESSAGE || current.chars >= RESULT_CHARS_PER_MESSAGE)
      this.flush(key);
    else current.timer ??= setTimeout(() => this.flush(key), RESULT_FLUSH_MS);
    return done;
  }

  private flush(key: string): void {
    const batch = this.pending.get(key);
    if (!batch) return;
    this.pending.delete(key);
    if (batch.timer) clearTimeout(batch.timer);
    this.send({
      kind: 'TaskResults',
      instanceId: batch.instanceId,
      executionId: batch.executionId,
      results: batch.results,
    }).then(
      () => batch.waiters.forEach((w) => w.resolve()),
      (error: unknown) => batch.waiters.forEach((w) => w.reject(error)),
    );
  }
}

/**
 * Competing consumer of the work-item queue: runs activities (at most `maxConcurrentActivityFunctions`
 * at once), sends their results to the orchestration's control queue, and deletes a work-item message only
 * once every result it produced is stored.
 */
export class ActivityWorker {
  private readonly gate: Gate;
  private readonly poller: QueuePoller;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly results: ResultBatcher;
  private stopped = false;

  constructor(private readonly deps: ActivityWorkerDependencies) {
    this.gate = new Gate(deps.settings.maxConcurrentActivityFunctions);
    this.results = new ResultBatcher((message) => this.report(message));
    this.poller = new QueuePoller(
      () => this.poll(),
      deps.settings.maxQueuePollingIntervalMs,
      (error) => {
        if (!deps.health.failed('reading the work-item queue', error))
          deps.log('warning', `Reading the work-item queue failed: ${String(error)}`);
      },
    );
  }

  start(): void {
    this.poller.start();
  }

  wake(): void {
    this.poller.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.poller.stop();
    await Promise.all([...this.inFlight]);
  }

  /**
   * Stores a result message, retrying with back-off while storage is unreachable: running the activity again
   * (what a failed report leads to, once the work item reappears) would invoke its devices twice.
   */
  private async report(message: ControlMessage): Promise<void> {
    for (let delay = FIRST_RETRY_MS; ; delay = Math.min(MAX_RETRY_MS, delay * 2)) {
      try {
        await this.deps.sendControl(message);
        this.deps.health.succeeded();
        return;
      } catch (error: unknown) {
        if (this.stopped || !this.deps.health.failed('reporting activity results', error)) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  /**
   * Whether an activity could start here at once: a slot is free and no activity taken earlier waits for one.
   * Work is taken only then (one message per poll), so a busy host leaves the queue to the others and a small
   * late work item (a job's finalize) never waits behind whole messages this host took ahead of its slots.
   */
  hasRoom(): boolean {
    return this.gate.free > 0 && this.gate.waiting === 0;
  }

  /** Runs a work-item message this process just sent (invisible in the queue meanwhile). */
  take(message: ReceivedMessage<WorkItemMessage>): void {
    const run = this.handle(message).finally(() => this.inFlight.delete(run));
    this.inFlight.add(run);
  }

  private async poll(): Promise<number> {
    if (!this.hasRoom()) {
      await this.gate.acquire();
      this.gate.release();
      return 1;
    }
    const { storage, settings } = this.deps;
    const visibility = Math.max(1, Math.round(settings.workItemQueueVisibilityMs / 1000));
    const messages = await storage.queues.receive<WorkItemMessage>(storage.queues.workItems, 1, visibility);
    this.deps.health.succeeded();
    for (const message of messages) this.take(message);
    return messages.length;
  }

  private async handle(message: ReceivedMessage<WorkItemMessage>): Promise<void> {
    const { storage } = this.deps;
    const held = { ...message };
    const renewal = this.keepInvisible(held);
    try {
      await Promise.all((message.body.items ?? []).map((item) => this.runOne(item)));
      await renewal.stop();
      await storage.queues.delete(storage.queues.workItems, held);
    } catch (error: unknown) {
      this.deps.log(
        'warning',
        `Reporting activity results failed (the work item will be retried): ${String(error)}`,
      );
    } finally {
      await renewal.stop();
    }
  }

  /**
   * Renews a work item's visibility every third of the timeout while its activities run, so that a short
   * timeout makes a dead host's work reappear quickly without handing a live host's work to another.
   * `stop` waits for a renewal in flight: deleting with the receipt it replaces would leave the message behind.
   */
  private keepInvisible(held: { messageId: string; popReceipt: string }): { stop(): Promise<void> } {
    const { storage, settings } = this.deps;
    const seconds = Math.max(1, Math.round(settings.workItemQueueVisibilityMs / 1000));
    let inFlight: Promise<void> = Promise.resolve();
    let renewing = false;
    const renew = async () => {
      try {
        const receipt = await storage.queues.renew(storage.queues.workItems, held, seconds);
        if (receipt) held.popReceipt = receipt;
        else clearInterval(timer);
      } catch (error: unknown) {
        if (!this.deps.health.failed('renewing a work item', error))
          this.deps.log('warning', `Renewing work item ${held.messageId} failed: ${String(error)}`);
      } finally {
        renewing = false;
      }
    };
    const timer = setInterval(
      () => {
        if (renewing) return;
        renewing = true;
        inFlight = renew();
      },
      Math.max(1_000, Math.floor(settings.workItemQueueVisibilityMs / 3)),
    );
    timer.unref();
    return {
      stop: async () => {
        clearInterval(timer);
        await inFlight;
      },
    };
  }

  private async runOne(item: WorkItem): Promise<void> {
    const fn = this.deps.findActivity(item.name);
    if (fn) await this.gate.acquire();
    let result: TaskResult;
    try {
      result = await activityResult((f, data) => this.deps.invoke(f, data), fn, item);
    } finally {
      if (fn) this.gate.release();
    }
    await this.results.add(item, result);
  }
}

/**
 * Runs the activity of one work item through the programming model and answers its result as the engine records
 * it: the encoded return value, or the message and stack of what it threw (also when no such activity exists).
 */
export async function activityResult(
  invoke: ActivityWorkerDependencies['invoke'],
  fn: RegisteredFunction | undefined,
  item: WorkItem,
): Promise<TaskResult> {
  if (!fn) {
    return {
      taskScheduledId: item.taskScheduledId,
      reason: `The activity function '${item.name}' does not exist in this app.`,
      details: 'FunctionNotFound',
    };
  }
  try {
    const response = await invoke(fn, item.input === null ? null : { json: item.input });
    return { taskScheduledId: item.taskScheduledId, result: encodeResult(response.returnValue) };
  } catch (error: unknown) {
    const reason = error instanceof Error ? error.message : String(error);
    const details = error instanceof Error ? (error.stack ?? '') : '';
    return { taskScheduledId: item.taskScheduledId, reason, details };
  }
}
