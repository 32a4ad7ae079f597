import type { QueueClient } from '@azure/storage-queue';
import type { DurableSettings } from './durable-settings';
import type { EpisodeRunner, HeldMessage } from './episode-runner';
import type { ControlMessage } from './messages';
import { QueuePoller } from './queue-poller';
import { runLimited, type ReceivedMessage, type TaskHubStorage } from './task-hub-storage';

interface Held extends HeldMessage {
  queue: QueueClient;
}

const MAX_BUFFERED = 20_000;
const MAX_BATCH = 5_000;
const DEFERRED_RETRY_MS = 500;
const LARGE_HISTORY = 1_000;
const BUSY_FAN_IN = 32;
const MAX_GATHER_MS = 1_000;

/**
 * Reads the control queues and runs episodes: messages are buffered per instance, one episode per instance at a
 * time, at most `maxConcurrentOrchestratorFunctions` at once. A message is deleted only after the episode that
 * consumed it committed.
 */
export class OrchestrationDispatcher {
  private readonly buffers = new Map<string, Map<string, Held>>();
  private readonly running = new Set<string>();
  private readonly ready = new Set<string>();
  /** Instances whose next episode waits a little to gather more messages (their replay is expensive). */
  private readonly cooling = new Set<string>();
  private readonly pollers: QueuePoller[];
  private buffered = 0;
  private stopped = false;
  private readonly episodes = new Set<Promise<void>>();
  private readonly deletions = new Set<Promise<void>>();

  constructor(
    private readonly storage: TaskHubStorage,
    private readonly settings: DurableSettings,
    private readonly runner: EpisodeRunner,
    private readonly rearm: (message: ControlMessage, fireAt: string) => Promise<void>,
    private readonly log: (level: 'warning' | 'error', message: string) => void,
  ) {
    this.pollers = storage.controlQueues.map(
      (queue) =>
        new QueuePoller(
          () => this.poll(queue),
          settings.maxQueuePollingIntervalMs,
          (error) => this.log('warning', `Reading ${queue.name} failed: ${String(error)}`),
        ),
    );
  }

  start(): void {
    for (const poller of this.pollers) poller.start();
  }

  wake(instanceId: string): void {
    this.pollers[this.storage.controlQueues.indexOf(this.storage.controlQueueFor(instanceId))]?.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.pollers.map((poller) => poller.stop()));
    await Promise.all([...this.episodes]);
    await Promise.all([...this.deletions]);
  }

  private async poll(queue: QueueClient): Promise<number> {
    if (this.buffered >= MAX_BUFFERED) return 0;
    const visibility = Math.max(1, Math.round(this.settings.controlQueueVisibilityMs / 1000));
    const messages = await this.storage.receive<ControlMessage>(queue, 32, visibility);
    const now = Date.now();
    for (const message of messages) {
      const body = message.body;
      if (body.kind === 'TimerFired' && Date.parse(body.fireAt) > now) {
        await this.rearm(body, body.fireAt);
        await this.storage.delete(queue, message);
        continue;
      }
      this.hold(queue, message);
    }
    this.pump();
    return messages.length;
  }

  /**
   * Takes a message this process just sent, without waiting to receive it: it stays visible in the queue,
   * so a crash loses nothing, and receiving it again later only refreshes its receipt.
   */
  accept(queue: QueueClient, message: ReceivedMessage<ControlMessage>): void {
    if (this.stopped) return;
    this.hold(queue, message);
    this.pump();
  }

  private hold(queue: QueueClient, message: ReceivedMessage<ControlMessage>): void {
    const body = message.body;
    {
      let buffer = this.buffers.get(body.instanceId);
      if (!buffer) {
        buffer = new Map();
        this.buffers.set(body.instanceId, buffer);
      }
      const known = buffer.get(message.messageId);
      if (known) known.popReceipt = message.popReceipt;
      else {
        buffer.set(message.messageId, { ...message, queue });
        this.buffered++;
      }
      if (!this.running.has(body.instanceId) && !this.cooling.has(body.instanceId))
        this.ready.add(body.instanceId);
    }
  }

  private pump(): void {
    while (!this.stopped && this.running.size < this.settings.maxConcurrentOrchestratorFunctions) {
      const next = this.ready.values().next();
      if (next.done) return;
      const instanceId = next.value;
      this.ready.delete(instanceId);
      this.running.add(instanceId);
      const episode = this.runEpisode(instanceId).finally(() => {
        this.episodes.delete(episode);
        this.running.delete(instanceId);
        this.pump();
      });
      this.episodes.add(episode);
    }
  }

  private async runEpisode(instanceId: string): Promise<void> {
    const buffer = this.buffers.get(instanceId);
    if (!buffer || buffer.size === 0) return;
    const batch = [...buffer.values()].slice(0, MAX_BATCH);
    let retryMs = 0;
    try {
      const outcome = await this.runner.run(instanceId, batch);
      const done = new Set(outcome.done);
      const finished = batch.filter((m) => done.has(m.messageId)).map((m) => buffer.get(m.messageId) ?? m);
      for (const message of finished) {
        if (buffer.delete(message.messageId)) this.buffered--;
      }
      // Deleting is off the episode's critical path: a message that reappears meanwhile is a harmless duplicate.
      const deleting = runLimited(finished, 16, (message) =>
        this.storage.delete(message.queue, message),
      ).catch((error: unknown) => this.log('warning', `Deleting control messages failed: ${String(error)}`));
      this.deletions.add(deleting);
      void deleting.finally(() => this.deletions.delete(deleting));
      if (outcome.conflict) retryMs = 50 + Math.random() * 200;
      else if (done.size === 0) retryMs = DEFERRED_RETRY_MS;
      else if (outcome.historyLength > LARGE_HISTORY && outcome.openTasks > BUSY_FAN_IN) {
        retryMs = Math.min(MAX_GATHER_MS, outcome.historyLength / 10);
      }
    } catch (error: unknown) {
      this.runner.forget(instanceId);
      this.log(
        'error',
        `Episode of ${instanceId} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
      retryMs = 1_000;
    }
    if (buffer.size === 0) this.buffers.delete(instanceId);
    if (retryMs === 0) {
      if (buffer.size > 0) this.ready.add(instanceId);
      return;
    }
    this.cooling.add(instanceId);
    setTimeout(() => {
      this.cooling.delete(instanceId);
      if (this.buffers.get(instanceId)?.size && !this.running.has(instanceId)) {
        this.ready.add(instanceId);
        this.pump();
      }
    }, retryMs).unref();
  }
}
