import type { QueueClient } from '@azure/storage-queue';
import type { ActivityWorker } from './activity-worker';
import type { DurableSettings } from './durable-settings';
import type { ControlMessage, OutgoingMessage, StagedMessages, WorkItem, WorkItemMessage } from './messages';
import type { OrchestrationDispatcher } from './orchestration-dispatcher';
import { runLimited } from './run-limited';
import type { TaskHubStorage } from './task-hub-storage';

const ITEMS_PER_MESSAGE = 32;
const CHARS_PER_MESSAGE = 40_000;
const SEND_CONCURRENCY = 16;
/** A message held by this host is handed over a little after its timer fires, so it is visible by then. */
const WAKE_SLACK_MS = 50;
/** Delays this short are woken by a local timer; longer ones are found by polling. */
const LOCAL_WAKE_LIMIT_MS = 60_000;

/** Groups activity calls into work-item messages of at most 32 calls and about 40 KB. */
export function batchWorkItems(items: WorkItem[]): WorkItemMessage[] {
  const batches: WorkItemMessage[] = [];
  let current: WorkItem[] = [];
  let chars = 0;
  for (const item of items) {
    const size = JSON.stringify(item).length;
    if (current.length > 0 && (current.length >= ITEMS_PER_MESSAGE || chars + size > CHARS_PER_MESSAGE)) {
      batches.push({ items: current });
      current = [];
      chars = 0;
    }
    current.push(item);
    chars += size;
  }
  if (current.length > 0) batches.push({ items: current });
  return batches;
}

interface Sent {
  queue: QueueClient;
  messageId: string;
  popReceipt: string;
}

type StagedMessage =
  | (Sent & { kind: 'workItem'; body: WorkItemMessage })
  | (Sent & { kind: 'control'; body: ControlMessage })
  | (Sent & { kind: 'delayed'; body: ControlMessage; delayMs: number });

/** The parts of the host a sent message is handed to; absent before start and after stop. */
export interface LocalConsumers {
  dispatcher?: OrchestrationDispatcher;
  worker?: ActivityWorker;
}

/**
 * Sends the task hub's messages so that each takes effect on exactly one host. A message this host will handle
 * itself is sent invisible and handed over directly; the visibility timeout (renewed while the message is held)
 * only lapses if this host dies, and then another host takes it. A visible message that this host also handled
 * would be received by a second host at the same time, and both would run the same episode or activity.
 */
export class MessageSender {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly storage: TaskHubStorage,
    private readonly settings: DurableSettings,
    private readonly local: LocalConsumers,
    private readonly warn: (message: string) => void,
  ) {}

  /** Sends a control message that takes effect now (or at `fireAt`). */
  async sendControl(message: ControlMessage, fireAt?: string): Promise<void> {
    const staged = await this.stageControl(message, fireAt);
    await this.release([staged]);
  }

  /**
   * Sends an episode's messages invisible: they take effect only through `release`, after the episode's commit.
   * An episode that loses its commit to another writer must leave no trace, least of all an activity already
   * running with the loser's input.
   */
  async stage(messages: OutgoingMessage[]): Promise<StagedMessages> {
    const items: WorkItem[] = [];
    const control: Extract<OutgoingMessage, { target: 'control' }>[] = [];
    for (const message of messages) {
      if (message.target === 'workItem') items.push(message.body);
      else control.push(message);
    }
    const staged: StagedMessage[] = [];
    const toSend: (WorkItemMessage | (typeof control)[number])[] = [...batchWorkItems(items), ...control];
    try {
      await runLimited(toSend, SEND_CONCURRENCY, async (message) => {
        staged.push(
          'items' in message
            ? await this.stageWorkItem(message)
            : await this.stageControl(message.body, message.fireAt),
        );
      });
    } catch (error: unknown) {
      await this.discard(staged);
      throw error;
    }
    return { release: () => this.release(staged), discard: () => this.discard(staged) };
  }

  /** Cancels the local wake-up timers (the host stops). */
  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private async stageWorkItem(body: WorkItemMessage): Promise<StagedMessage> {
    const queue = this.storage.queues.workItems;
    const sent = await this.storage.queues.send(queue, body, this.settings.workItemQueueVisibilityMs);
    return { kind: 'workItem', queue, body, ...sent };
  }

  private async stageControl(body: ControlMessage, fireAt?: string): Promise<StagedMessage> {
    const delay = fireAt ? Math.max(0, Date.parse(fireAt) - Date.now()) : 0;
    const delayMs = Math.min(delay, this.settings.maxMessageDelayMs);
    const queue = this.storage.queues.controlQueueFor(body.instanceId);
    if (delayMs > 0) {
      const sent = await this.storage.queues.send(queue, body, delayMs);
      return { kind: 'delayed', queue, body, delayMs, ...sent };
    }
    const sent = await this.storage.queues.send(queue, body, this.settings.controlQueueVisibilityMs);
    return { kind: 'control', queue, body, ...sent };
  }

  private async release(staged: StagedMessage[]): Promise<void> {
    const reveal: Sent[] = [];
    let workSent = false;
    for (const message of staged) {
      const received = { messageId: message.messageId, popReceipt: message.popReceipt, dequeueCount: 0 };
      if (message.kind === 'workItem') {
        workSent = true;
        if (this.local.worker?.hasRoom()) this.local.worker.take({ ...received, body: message.body });
        else reveal.push(message);
      } else if (message.kind === 'control') {
        if (!this.local.dispatcher?.accept(message.queue, { ...received, body: message.body }))
          reveal.push(message);
      } else if (message.delayMs < LOCAL_WAKE_LIMIT_MS)
        this.wakeAfter(message.body.instanceId, message.delayMs);
    }
    await runLimited(reveal, SEND_CONCURRENCY, async (message) => {
      await this.storage.queues.renew(message.queue, message, 0);
    });
    if (workSent) this.local.worker?.wake();
  }

  private async discard(staged: StagedMessage[]): Promise<void> {
    await runLimited(staged, SEND_CONCURRENCY, (message) =>
      this.storage.queues
        .delete(message.queue, message)
        .catch((error: unknown) =>
          this.warn(
            `Withdrawing message ${message.messageId} of an episode that lost its commit failed (it reappears ` +
              `and is handled as a duplicate): ${String(error)}`,
          ),
        ),
    );
  }

  private wakeAfter(instanceId: string, delayMs: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.local.dispatcher?.wake(instanceId);
    }, delayMs + WAKE_SLACK_MS);
    timer.unref();
    this.timers.add(timer);
  }
}
