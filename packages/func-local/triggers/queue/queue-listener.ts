import type { DequeuedMessageItem, QueueClient } from '@azure/storage-queue';
import type { LogLevel } from '../../app/core-api';
import { errorText } from '../../host/error-text';
import { DRAIN_TIMEOUT_MS, InFlight } from '../../host/in-flight';
import { nextPollDelay, type QueueOptions } from './queue-options';

/** How long a received message stays invisible while a function processes it (the Functions host's 10 min). */
const PROCESSING_VISIBILITY_SECONDS = 600;

export interface QueueListenerOptions {
  queue: QueueClient;
  poison: QueueClient;
  options: QueueOptions;
  /** Runs the function for one message; a rejection counts as a failed attempt. */
  process: (message: DequeuedMessageItem, body: string) => Promise<void>;
  log: (level: LogLevel, message: string) => void;
}

export class MessageEncodingError extends Error {
  override name = 'MessageEncodingError';
  readonly code = 'InvalidMessageEncoding';
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The message body as the function sees it, given host.json's `messageEncoding`. */
export function decodeMessage(text: string, encoding: QueueOptions['messageEncoding']): string {
  if (encoding === 'none') return text;
  const compact = text.replace(/\s/g, '');
  if (compact.length % 4 !== 0 || !BASE64.test(compact)) {
    throw new MessageEncodingError(
      'The message is not valid Base64, but host.json extensions.queues.messageEncoding is "base64" (the default).',
    );
  }
  return Buffer.from(compact, 'base64').toString('utf8');
}

/**
 * Polls one queue like the Functions host's queue listener: batches processed in parallel, exponential back-off
 * while the queue is empty, failed messages made visible again after `visibilityTimeout`, and moved to the
 * poison queue once they reach `maxDequeueCount`.
 */
export class QueueListener {
  private stopped = false;
  private readonly inFlight = new InFlight();
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private poisonReady: Promise<unknown> | undefined;

  constructor(private readonly config: QueueListenerOptions) {}

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    await this.inFlight.drain(DRAIN_TIMEOUT_MS);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  private async run(): Promise<void> {
    const { queue, options, log } = this.config;
    let idleDelay = 0;
    while (!this.stopped) {
      if (this.inFlight.size > options.newBatchThreshold) {
        await this.sleep(20);
        continue;
      }
      let messages: DequeuedMessageItem[] = [];
      try {
        const response = await queue.receiveMessages({
          numberOfMessages: options.batchSize,
          visibilityTimeout: PROCESSING_VISIBILITY_SECONDS,
        });
        messages = response.receivedMessageItems;
      } catch (error: unknown) {
        log('warning', `Polling queue "${queue.name}" failed: ${errorText(error)}`);
      }
      if (messages.length === 0) {
        idleDelay = nextPollDelay(idleDelay, options.maxPollingIntervalMs);
        await this.sleep(idleDelay);
        continue;
      }
      idleDelay = 0;
      for (const message of messages) void this.inFlight.track(this.handle(message));
    }
  }

  private async handle(message: DequeuedMessageItem): Promise<void> {
    const { options } = this.config;
    if (message.dequeueCount > options.maxDequeueCount) {
      await this.moveToPoison(message);
      return;
    }
    try {
      const body = decodeMessage(message.messageText, options.messageEncoding);
      await this.config.process(message, body);
    } catch (error: unknown) {
      await this.failed(message, error);
      return;
    }
    await this.settle(message, () => this.config.queue.deleteMessage(message.messageId, message.popReceipt));
  }

  private async failed(message: DequeuedMessageItem, error: unknown): Promise<void> {
    const { options, queue, log } = this.config;
    log('error', `Message ${message.messageId} of queue "${queue.name}" failed: ${errorText(error)}`);
    if (message.dequeueCount >= options.maxDequeueCount) {
      await this.moveToPoison(message);
      return;
    }
    const seconds = Math.round(options.visibilityTimeoutMs / 1000);
    await this.settle(message, () =>
      queue.updateMessage(message.messageId, message.popReceipt, undefined, seconds),
    );
  }

  private async moveToPoison(message: DequeuedMessageItem): Promise<void> {
    const { queue, poison, options, log } = this.config;
    log(
      'warning',
      `Message ${message.messageId} has reached MaxDequeueCount of ${options.maxDequeueCount}. ` +
        `Moving message to queue '${poison.name}'.`,
    );
    await this.settle(message, async () => {
      this.poisonReady ??= poison.createIfNotExists();
      await this.poisonReady;
      await poison.sendMessage(message.messageText);
      await queue.deleteMessage(message.messageId, message.popReceipt);
    });
  }

  /** Storage calls after an invocation may fail (Azurite stopped, receipt expired): log, keep listening. */
  private async settle(message: DequeuedMessageItem, action: () => Promise<unknown>): Promise<void> {
    try {
      await action();
    } catch (error: unknown) {
      this.poisonReady = undefined;
      this.config.log(
        'warning',
        `Settling message ${message.messageId} of queue "${this.config.queue.name}" failed: ${errorText(error)}`,
      );
    }
  }
}
