import type { HostJson } from '../../app/app-folder';
import * as v from 'valibot';
import { choiceSetting, durationSetting, readSetting, wholeNumberSetting } from '../../host/setting-schemas';

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

const wholeNumber = (setting: string, min: number, max: number) =>
  wholeNumberSetting(
    min,
    max,
    (value) =>
      `host.json extensions.queues.${setting} must be a whole number from ${min} to ${max}; got ${JSON.stringify(value)}.`,
  );

const duration = (setting: string, fallback: number) =>
  v.nullish(
    durationSetting(
      (value) =>
        `host.json extensions.queues.${setting} must be a TimeSpan like "00:00:30" or milliseconds; got ${JSON.stringify(value)}.`,
    ),
    fallback,
  );

/** `extensions.queues`, checked in the order the settings were always checked (batchSize first). */
const QueueOptionsSchema = v.pipe(
  v.object(
    {
      batchSize: v.nullish(wholeNumber('batchSize', 1, 32), 16),
      messageEncoding: v.nullish(
        choiceSetting(
          ['base64', 'none'],
          (value) =>
            `host.json extensions.queues.messageEncoding must be "base64" or "none"; got ${JSON.stringify(value)}.`,
        ),
        'base64',
      ),
      maxPollingInterval: duration('maxPollingInterval', LOCAL_DEFAULT_MAX_POLLING_INTERVAL_MS),
      visibilityTimeout: duration('visibilityTimeout', 0),
      newBatchThreshold: v.nullish(wholeNumber('newBatchThreshold', 0, 1000)),
      maxDequeueCount: v.nullish(wholeNumber('maxDequeueCount', 1, 1000), 5),
    },
    'host.json extensions.queues must be an object.',
  ),
  v.transform((queues): QueueOptions => ({
    maxPollingIntervalMs: Math.max(MIN_POLLING_INTERVAL_MS, queues.maxPollingInterval),
    visibilityTimeoutMs: queues.visibilityTimeout,
    batchSize: queues.batchSize,
    newBatchThreshold: queues.newBatchThreshold ?? Math.floor(queues.batchSize / 2),
    maxDequeueCount: queues.maxDequeueCount,
    messageEncoding: queues.messageEncoding,
  })),
);

/** Reads `extensions.queues` of host.json; throws naming the first invalid setting. */
export function readQueueOptions(hostJson: HostJson): QueueOptions {
  return readSetting(
    QueueOptionsSchema,
    hostJson.extensions?.queues ?? {},
    (message) => new QueueOptionsError(message),
  );
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
