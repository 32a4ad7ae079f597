import type { QueueClient } from '@azure/storage-queue';
import { isStatus } from './storage-status';

/** A message read from a queue, with what is needed to delete it. */
export interface ReceivedMessage<T> {
  messageId: string;
  popReceipt: string;
  dequeueCount: number;
  body: T;
}

/** Stable FNV-1a hash of an instance id, to pick its control queue. */
export function partitionOf(instanceId: string, partitionCount: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < instanceId.length; i++) {
    hash ^= instanceId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % partitionCount;
}

/** The task hub's queues: `…-workitems` (activities) and `…-control-NN` (everything that happens to instances). */
export class QueueTransport {
  constructor(
    readonly workItems: QueueClient,
    readonly controlQueues: QueueClient[],
    private readonly warn: (message: string) => void = () => undefined,
  ) {}

  controlQueueFor(instanceId: string): QueueClient {
    const queue = this.controlQueues[partitionOf(instanceId, this.controlQueues.length)];
    if (!queue) throw new Error('No control queue.');
    return queue;
  }

  /** Sends a message, invisible for `delayMs`; resolves with what deleting it takes. */
  async send(
    queue: QueueClient,
    body: unknown,
    delayMs = 0,
  ): Promise<{ messageId: string; popReceipt: string }> {
    const visibilityTimeout = delayMs > 0 ? Math.ceil(delayMs / 1000) : undefined;
    const sent = await queue.sendMessage(JSON.stringify(body), { visibilityTimeout, messageTimeToLive: -1 });
    return { messageId: sent.messageId, popReceipt: sent.popReceipt };
  }

  async receive<T>(
    queue: QueueClient,
    count: number,
    visibilitySeconds: number,
  ): Promise<ReceivedMessage<T>[]> {
    const response = await queue.receiveMessages({
      numberOfMessages: Math.max(1, Math.min(32, count)),
      visibilityTimeout: visibilitySeconds,
    });
    const messages: ReceivedMessage<T>[] = [];
    for (const item of response.receivedMessageItems) {
      try {
        messages.push({
          messageId: item.messageId,
          popReceipt: item.popReceipt,
          dequeueCount: item.dequeueCount,
          body: JSON.parse(item.messageText) as T,
        });
      } catch {
        // Not ours (or damaged): nothing can process it, so it goes, but not silently.
        this.warn(
          `Deleted unreadable message ${item.messageId} from ${queue.name} (not JSON): ` +
            JSON.stringify(item.messageText.slice(0, 200)),
        );
        await this.delete(queue, item).catch((error: unknown) =>
          this.warn(`Deleting unreadable message ${item.messageId} failed: ${String(error)}`),
        );
      }
    }
    return messages;
  }

  /** Deletes a message; a stale receipt (the message was received again meanwhile) is not an error. */
  async delete(queue: QueueClient, message: { messageId: string; popReceipt: string }): Promise<void> {
    try {
      await queue.deleteMessage(message.messageId, message.popReceipt);
    } catch (error: unknown) {
      if (!isStatus(error, 404) && !isStatus(error, 400)) throw error;
    }
  }

  /**
   * Keeps a received message invisible for `visibilitySeconds` more; resolves with its new receipt, or undefined
   * when the receipt is stale (the message was deleted, or its visibility lapsed and it was received again).
   */
  async renew(
    queue: QueueClient,
    message: { messageId: string; popReceipt: string },
    visibilitySeconds: number,
  ): Promise<string | undefined> {
    try {
      const updated = await queue.updateMessage(
        message.messageId,
        message.popReceipt,
        undefined,
        visibilitySeconds,
      );
      return updated.popReceipt;
    } catch (error: unknown) {
      if (isStatus(error, 404) || isStatus(error, 400)) return undefined;
      throw error;
    }
  }
}
