import type { HostJson } from '../../app/app-folder';
import { readDurationSetting } from '../../host/time-span';

/** host.json `extensions.queues`, resolved with the local host's defaults. */
export interface QueueOptions {
  /** Longest wait between polls of an empty queue. */
  maxPollingIntervalMs: number;
  /** How long a failed message stays invisible before its retry. */
  visibilityTimeoutMs: number;
  /** Messages fetched at once and processed in parallel (1–32). */
  batchSize: number;
  /** Fetch the next batch when this few messages are still being processed. */
  newBatchThreshold: number;
  /** Attempts before a message moves to `<queue>-poison`. */
  maxDequeueCount: number;
  messageEncoding: 'base64' | 'none';
}

/**
 * Azure's default maximum polling interval is one minute; locally a developer waits on it after every idle
 * spell, so the local host polls at least every two seconds unless host.json says otherwise.
 */
export const LOCAL_DEFAULT_MAX_POLLING_INTERVAL_MS = 2_000;
export const MIN_POLLING_INTERVAL_MS = 100;

export class QueueOptionsError extends Error {
  override name = 'QueueOptionsError';
  readonly code = 'InvalidQueueOptions';
}

function wholeNumber(value: unknown, setting: string, fallback: number, min: number, max: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new QueueOptionsError(
      `host.json extensions.queues.${setting} must be a whole number from ${min} to ${max}; got ${JSON.stringify(value)}.`,
    );
  }
  return value;
}

/** Reads `extensions.queues` of host.json; throws naming the first invalid setting. */
export function readQueueOptions(hostJson: HostJson): QueueOptions {
  const queues = hostJson.extensions?.queues ?? {};
  const batchSize = wholeNumber(queues.batchSize, 'batchSize', 16, 1, 32);
  const encoding = queues.messageEncoding ?? 'base64';
  if (encoding !== 'base64' && encoding !== 'none') {
    throw new QueueOptionsError(
      `host.json extensions.queues.messageEncoding must be "base64" or "none"; got ${JSON.stringify(encoding)}.`,
    );
  }
  return {
    maxPollingIntervalMs: Math.max(
      MIN_POLLING_INTERVAL_MS,
      readDurationSetting(
        queues.maxPollingInterval,
        'host.json extensions.queues.maxPollingInterval',
        LOCAL_DEFAULT_MAX_POLLING_INTERVAL_MS,
      ),
    ),
    visibilityTimeoutMs: readDurationSetting(
      queues.visibilityTimeout,
      'host.json extensions.queues.visibilityTimeout',
      0,
    ),
    batchSize,
    newBatchThreshold: wholeNumber(
      queues.newBatchThreshold,
      'newBatchThreshold',
      Math.floor(batchSize / 2),
      0,
      1000,
    ),
    maxDequeueCount: wholeNumber(queues.maxDequeueCount, 'maxDequeueCount', 5, 1, 1000),
    messageEncoding: encoding,
  };
}

/**
 * The wait before the next poll of a queue that was empty: doubling from the minimum, randomised by ±20 % so
 * that listeners drift apart, never above the maximum.
 */
export function nextPollDelay(previousMs: number, maxMs: number, random: () => number = Math.random): number {
  const doubled = previousMs <= 0 ? MIN_POLLING_INTERVAL_MS : previousMs * 2;
  const jittered = doubled * (0.8 + 0.4 * random());
  return Math.round(Math.min(maxMs, Math.max(MIN_POLLING_INTERVAL_MS, jittered)));
}
