import type { RegisteredFunction } from '../app/capture';
import type { InvocationResponse, RpcTypedData } from '../app/core-api';
import type { DurableSettings } from './durable-settings';
import type { ControlMessage, WorkItemMessage } from './messages';
import { Gate, QueuePoller } from './queue-poller';
import type { ReceivedMessage, TaskHubStorage } from './task-hub-storage';

export interface ActivityWorkerDependencies {
  storage: TaskHubStorage;
  settings: DurableSettings;
  findActivity(name: string): RegisteredFunction | undefined;
  invoke(fn: RegisteredFunction, data: RpcTypedData | null): Promise<InvocationResponse>;
  sendControl(message: ControlMessage): Promise<void>;
  log(level: 'warning' | 'error', message: string): void;
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

/**
 * Competing consumer of the work-item queue: runs activities (at most `maxConcurrentActivityFunctions`
 * at once), sends each result to the orchestration's control queue, then deletes the work item.
 */
export class ActivityWorker {
  private readonly gate: Gate;
  private readonly poller: QueuePoller;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly deps: ActivityWorkerDependencies) {
    this.gate = new Gate(deps.settings.maxConcurrentActivityFunctions);
    this.poller = new QueuePoller(
      () => this.poll(),
      deps.settings.maxQueuePollingIntervalMs,
      (error) => deps.log('warning', `Reading the work-item queue failed: ${String(error)}`),
    );
  }

  start(): void {
    this.poller.start();
  }

  wake(): void {
    this.poller.wake();
  }

  async stop(): Promise<void> {
    await this.poller.stop();
    await Promise.all([...this.inFlight]);
  }

  private async poll(): Promise<number> {
    const free = this.gate.free;
    if (free <= 0) {
      await this.gate.acquire();
      this.gate.release();
      return 1;
    }
    const { storage, settings } = this.deps;
    const visibility = Math.max(1, Math.round(settings.workItemQueueVisibilityMs / 1000));
    const messages = await storage.receive<WorkItemMessage>(storage.workItems, free, visibility);
    for (const message of messages) {
      await this.gate.acquire();
      const run = this.run(message).finally(() => {
        this.gate.release();
        this.inFlight.delete(run);
      });
      this.inFlight.add(run);
    }
    return messages.length;
  }

  private async run(message: ReceivedMessage<WorkItemMessage>): Promise<void> {
    const { storage } = this.deps;
    const item = message.body;
    const common = { instanceId: item.instanceId, executionId: item.executionId, taskScheduledId: item.taskScheduledId };
    let result: ControlMessage;
    const fn = this.deps.findActivity(item.name);
    if (!fn) {
      result = {
        kind: 'TaskFailed',
        ...common,
        reason: `The activity function '${item.name}' does not exist in this app.`,
        details: 'FunctionNotFound',
      };
    } else {
      try {
        const response = await this.deps.invoke(fn, item.input === null ? null : { json: item.input });
        result = { kind: 'TaskCompleted', ...common, result: encodeResult(response.returnValue) };
      } catch (error: unknown) {
        const reason = error instanceof Error ? error.message : String(error);
        const details = error instanceof Error ? (error.stack ?? '') : '';
        result = { kind: 'TaskFailed', ...common, reason, details };
      }
    }
    try {
      await this.deps.sendControl(result);
      await storage.delete(storage.workItems, message);
    } catch (error: unknown) {
      this.deps.log('warning', `Reporting activity ${item.name} of ${item.instanceId} failed: ${String(error)}`);
    }
  }
}
