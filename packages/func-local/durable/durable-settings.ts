import * as v from 'valibot';
import type { HostJson } from '../app/app-folder';
import { expandSettings } from '../app/app-folder';
import { durationSetting, readSetting, wholeNumberSetting } from '../host/setting-schemas';

/** The durable engine's settings, read from host.json `extensions.durableTask`. */
export interface DurableSettings {
  hubName: string;
  partitionCount: number;
  maxConcurrentActivityFunctions: number;
  maxConcurrentOrchestratorFunctions: number;
  controlQueueVisibilityMs: number;
  workItemQueueVisibilityMs: number;
  maxQueuePollingIntervalMs: number;
  /** Timers longer than this are split into segments (Azure Storage provider: 6 days). */
  maximumShortTimerMs: number;
  /** Length of each long-timer segment (Azure Storage provider: 3 days). */
  longRunningTimerIntervalMs: number;
  /** Longest visibility delay a queue accepts (Azure queues: 7 days); longer timers are re-armed. */
  maxMessageDelayMs: number;
}

/** host.json names an invalid durable setting. */
export class DurableSettingsError extends Error {
  override name = 'DurableSettingsError';
  readonly code = 'DurableSettingsInvalid';
}

export const DEFAULT_HUB_NAME = 'TestHubName';
const DAY = 86_400_000;
/**
 * Both queue visibility timeouts default to 30 s here (Azure: 5 minutes). The engine renews a message every third
 * of the timeout while it holds it, so the timeout only bounds how long a dead host's messages stay hidden.
 */
const LOCAL_VISIBILITY_TIMEOUT_MS = 30_000;

const durationIn = (what: string, fallback: number) =>
  v.optional(
    durationSetting(
      (value) => `host.json: ${what} must be a TimeSpan like "00:00:30" (got ${JSON.stringify(value)}).`,
    ),
    fallback,
  );

const positiveWholeNumberIn = (what: string) =>
  wholeNumberSetting(
    1,
    Number.MAX_SAFE_INTEGER,
    (value) => `host.json: ${what} must be a positive whole number (got ${JSON.stringify(value)}).`,
  );

const positiveWholeNumber = (what: string, fallback: number) =>
  v.optional(positiveWholeNumberIn(what), fallback);

/** A section of host.json: anything that is not an object counts as empty, as the extension reads it. */
const section = <TEntries extends v.ObjectEntries>(entries: TEntries) =>
  v.optional(
    v.pipe(
      v.unknown(),
      v.transform((value) => (typeof value === 'object' && value !== null ? value : {})),
      v.looseObject(entries),
    ),
    {},
  );

function durableTaskSchema(env: NodeJS.ProcessEnv, cores: number) {
  return section({
    hubName: v.optional(
      v.pipe(
        v.unknown(),
        v.transform((raw) =>
          typeof raw === 'string' && raw.trim() !== '' ? expandSettings(raw, env) : DEFAULT_HUB_NAME,
        ),
        v.regex(
          /^[A-Za-z][A-Za-z0-9]{2,44}$/,
          (issue) =>
            `Task hub name "${String(issue.input)}" is invalid: 3–45 letters and digits, starting with a letter.`,
        ),
      ),
      '',
    ),
    storageProvider: section({
      partitionCount: v.optional(
        v.pipe(
          positiveWholeNumberIn('storageProvider.partitionCount'),
          v.maxValue(16, 'host.json: storageProvider.partitionCount must be 1–16.'),
        ),
        4,
      ),
      controlQueueVisibilityTimeout: durationIn('controlQueueVisibilityTimeout', LOCAL_VISIBILITY_TIMEOUT_MS),
      workItemQueueVisibilityTimeout: durationIn(
        'workItemQueueVisibilityTimeout',
        LOCAL_VISIBILITY_TIMEOUT_MS,
      ),
      maxQueuePollingInterval: durationIn('maxQueuePollingInterval', 1_000),
    }),
    maxConcurrentActivityFunctions: positiveWholeNumber('maxConcurrentActivityFunctions', 10 * cores),
    maxConcurrentOrchestratorFunctions: positiveWholeNumber('maxConcurrentOrchestratorFunctions', 10 * cores),
    localHost: section({
      maximumShortTimerDuration: durationIn('localHost.maximumShortTimerDuration', 6 * DAY),
      longRunningTimerIntervalDuration: durationIn('localHost.longRunningTimerIntervalDuration', 3 * DAY),
      maxMessageDelay: durationIn('localHost.maxMessageDelay', 7 * DAY - 60_000),
    }),
  });
}

/**
 * Reads `extensions.durableTask` the way the extension does: hubName with `%SETTING%` expansion (default
 * `TestHubName`, as Core Tools uses locally), concurrency limits (default 10 × cores), the Azure Storage
 * provider's `partitionCount` and queue settings, and the engine's timer limits (`localHost` section).
 */
export function readDurableSettings(
  hostJson: HostJson,
  env: NodeJS.ProcessEnv,
  cores: number,
): DurableSettings {
  const durable = readSetting(
    durableTaskSchema(env, cores),
    hostJson.extensions?.durableTask,
    (message) => new DurableSettingsError(message),
  );
  const { storageProvider: storage, localHost: local } = durable;
  return {
    hubName: durable.hubName,
    partitionCount: storage.partitionCount,
    maxConcurrentActivityFunctions: durable.maxConcurrentActivityFunctions,
    maxConcurrentOrchestratorFunctions: durable.maxConcurrentOrchestratorFunctions,
    controlQueueVisibilityMs: storage.controlQueueVisibilityTimeout,
    workItemQueueVisibilityMs: storage.workItemQueueVisibilityTimeout,
    maxQueuePollingIntervalMs: storage.maxQueuePollingInterval,
    maximumShortTimerMs: local.maximumShortTimerDuration,
    longRunningTimerIntervalMs: local.longRunningTimerIntervalDuration,
    maxMessageDelayMs: local.maxMessageDelay,
  };
}
