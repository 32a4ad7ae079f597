import type { QueueClient } from '@azure/storage-queue';
import type { DurableSettings } from './durable-settings';
import type { EpisodeRunner, HeldMessage } from './episode-runner';
import type { ControlMessage } from './messages';
import { QueuePoller } from './queue-poller';
import type { ReceivedMessage } from './queue-transport';
import { runLimited } from './run-limited';
import type { StorageHealth } from './storage-health';
import type { TaskHubStorage } from './task-hub-storage';

interface Held extends HeldMessage {
  queue: QueueClient;
  /** When the message's current receipt was taken (received, sent or renewed). */
  since: number;
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
  private renewals: NodeJS.Timeout | undefined;
  private renewing = false;

  constructor(
    private readonly storage: TaskHubStorage,
    private readonly settings: DurableSettings,
    private readonly runner: EpisodeRunner,
    private readonly rearm: (message: ControlMessage, fireAt: string) => Promise<void>,
    private readonly log: (level: 'warning' | 'error', message: string) => void,
    private readonly health: StorageHealth,
  ) {
    this.pollers = storage.queues.controlQueues.map(
      (queue) =>
        new QueuePoller(
          () => this.poll(queue),
          settings.maxQueuePollingIntervalMs,
          (error) => {
            if (!health.failed(`reading ${queue.name}`, error))
              this.log('warning', `Reading ${queue.name} failed: ${String(error)}`);
          },
        ),
    );
  }

  start(): void {
    for (const poller of this.pollers) poller.start();
    this.renewals = setInterval(() => void this.renewHeld(), this.renewEveryMs());
    this.renewals.unref();
  }

  /** A third of the visibility timeout: two renewals may fail before another host sees the message. */
  private renewEveryMs(): number {
    return Math.max(1_000, Math.floor(this.settings.controlQueueVisibilityMs / 3));
  }

  /**
   * Keeps the messages this host holds invisible while it holds them, so that a short visibility timeout only
   * matters when the host dies. A message whose receipt went stale was taken by another host: it is let go.
   */
  private async renewHeld(): Promise<void> {
    if (this.renewing || this.stopped) return;
    this.renewing = true;
    try {
      const due = Date.now() - this.renewEveryMs();
      const stale = [...this.buffers.values()].flatMap((buffer) =>
        [...buffer.values()].filter((message) => message.since <= due),
      );
      const seconds = Math.max(1, Math.round(this.settings.controlQueueVisibilityMs / 1000));
      await runLimited(stale, 16, async (message) => {
        const receipt = await this.storage.queues.renew(message.queue, message, seconds);
        if (receipt) {
          message.popReceipt = receipt;
          message.since = Date.now();
          return;
        }
        const buffer = this.buffers.get(message.body.instanceId);
        if (buffer?.get(message.messageId) === message && !this.running.has(message.body.instanceId)) {
          buffer.delete(message.messageId);
          this.buffered--;
        }
      });
      this.health.succeeded();
    } catch (error: unknown) {
      if (!this.health.failed('renewing control messages', error))
        this.log('warning', `Renewing control messages failed: ${String(error)}`);
    } finally {
      this.renewing = false;
    }
  }

  wake(instanceId: string): void {
    this.pollers[
      this.storage.queues.controlQueues.indexOf(this.storage.queues.controlQueueFor(instanceId))
    ]?.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.renewals) clearInterval(this.renewals);
    await Promise.all(this.pollers.map((poller) => poller.stop()));
    await Promise.all([...this.episodes]);
    await Promise.all([...this.deletions]);
  }

  private async poll(queue: QueueClient): Promise<number> {
    if (this.buffered >= MAX_BUFFERED) return 0;
    const visibility = Math.max(1, Math.round(this.settings.controlQueueVisibilityMs / 1000));
    const messages = await this.storage.queues.receive<ControlMessage>(queue, 32, visibility);
    this.health.succeeded();
    const now = Date.now();
    for (const message of messages) {
      const body = message.body;
      if (body.kind === 'TimerFired' && Date.parse(body.fireAt) > now) {
        await this.rearm(body, body.fireAt);
        await this.storage.queues.delete(queue, message);
        continue;
      }
      this.hold(queue, message);
    }
    this.pump();
    return messages.length;
  }

  /**
   * Takes a message this process just sent (invisible in the queue, so no other host handles it unless this one
   * dies); false when this host no longer takes messages.
   */
  accept(queue: QueueClient, message: ReceivedMessage<ControlMessage>): boolean {
    if (this.stopped) return false;
    this.hold(queue, message);
    this.pump();
    return true;
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
      if (known) {
        known.popReceipt = message.popReceipt;
        known.since = Date.now();
      } else {
        buffer.set(message.messageId, { ...message, queue, since: Date.now() });
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
        this.storage.queues.delete(message.queue, message),
      ).catch((error: unknown) => {
        if (!this.health.failed('deleting control messages', error))
          this.log('warning', `Deleting control messages failed: ${String(error)}`);
      });
      this.deletions.add(deleting);
      void deleting.finally(() => this.deletions.delete(deleting));
      if (outcome.conflict) retryMs = 50 + Math.random() * 200;
      else if (done.size === 0) retryMs = DEFERRED_RETRY_MS;
      else if (outcome.historyLength > LARGE_HISTORY && outcome.openTasks > BUSY_FAN_IN) {
        retryMs = Math.min(MAX_GATHER_MS, outcome.historyLength / 10);
      }
    } catch (error: unknown) {
      this.runner.forget(instanceId);
      if (this.health.failed(`episode of ${instanceId}`, error)) retryMs = 2_000;
      else {
        this.log(
          'error',
          `Episode of ${instanceId} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
        );
        retryMs = 1_000;
      }
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
