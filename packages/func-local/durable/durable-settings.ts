import type { HostJson } from '../app/app-folder';
import { expandSettings } from '../app/app-folder';

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

/** Parses a .NET TimeSpan (`[d.]hh:mm:ss[.fff]`) or a number of milliseconds. */
export function parseTimeSpan(value: unknown, what: string): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  if (typeof value === 'string') {
    const match = /^(?:(\d+)\.)?(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,7}))?$/.exec(value.trim());
    if (match) {
      const [, days, hours, minutes, seconds, fraction] = match;
      return (
        Number(days ?? 0) * DAY +
        Number(hours) * 3_600_000 +
        Number(minutes) * 60_000 +
        Number(seconds) * 1000 +
        Math.round(Number(`0.${fraction ?? '0'}`) * 1000)
      );
    }
  }
  throw new DurableSettingsError(
    `host.json: ${what} must be a TimeSpan like "00:00:30" (got ${JSON.stringify(value)}).`,
  );
}

function positiveInt(value: unknown, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
  throw new DurableSettingsError(
    `host.json: ${what} must be a positive whole number (got ${JSON.stringify(value)}).`,
  );
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
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
  const durable = record(hostJson.extensions?.durableTask);
  const storage = record(durable.storageProvider);
  const local = record(durable.localHost);
  const rawHub = durable.hubName;
  const hubName =
    typeof rawHub === 'string' && rawHub.trim() !== '' ? expandSettings(rawHub, env) : DEFAULT_HUB_NAME;
  if (!/^[A-Za-z][A-Za-z0-9]{2,44}$/.test(hubName)) {
    throw new DurableSettingsError(
      `Task hub name "${hubName}" is invalid: 3–45 letters and digits, starting with a letter.`,
    );
  }
  const partitionCount = positiveInt(storage.partitionCount, 4, 'storageProvider.partitionCount');
  if (partitionCount > 16)
    throw new DurableSettingsError('host.json: storageProvider.partitionCount must be 1–16.');
  const timeSpan = (value: unknown, fallback: number, what: string) =>
    value === undefined ? fallback : parseTimeSpan(value, what);
  return {
    hubName,
    partitionCount,
    maxConcurrentActivityFunctions: positiveInt(
      durable.maxConcurrentActivityFunctions,
      10 * cores,
      'maxConcurrentActivityFunctions',
    ),
    maxConcurrentOrchestratorFunctions: positiveInt(
      durable.maxConcurrentOrchestratorFunctions,
      10 * cores,
      'maxConcurrentOrchestratorFunctions',
    ),
    controlQueueVisibilityMs: timeSpan(
      storage.controlQueueVisibilityTimeout,
      LOCAL_VISIBILITY_TIMEOUT_MS,
      'controlQueueVisibilityTimeout',
    ),
    workItemQueueVisibilityMs: timeSpan(
      storage.workItemQueueVisibilityTimeout,
      LOCAL_VISIBILITY_TIMEOUT_MS,
      'workItemQueueVisibilityTimeout',
    ),
    maxQueuePollingIntervalMs: timeSpan(storage.maxQueuePollingInterval, 1_000, 'maxQueuePollingInterval'),
    maximumShortTimerMs: timeSpan(
      local.maximumShortTimerDuration,
      6 * DAY,
      'localHost.maximumShortTimerDuration',
    ),
    longRunningTimerIntervalMs: timeSpan(
      local.longRunningTimerIntervalDuration,
      3 * DAY,
      'localHost.longRunningTimerIntervalDuration',
    ),
    maxMessageDelayMs: timeSpan(local.maxMessageDelay, 7 * DAY - 60_000, 'localHost.maxMessageDelay'),
  };
}

/** Formats milliseconds as a .NET TimeSpan (`d.hh:mm:ss`), the form the SDK's trigger payload carries. */
export function formatTimeSpan(ms: number): string {
  const days = Math.floor(ms / DAY);
  let rest = ms - days * DAY;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  const millis = rest - seconds * 1000;
  const two = (n: number) => String(n).padStart(2, '0');
  const base = `${days}.${two(hours)}:${two(minutes)}:${two(seconds)}`;
  return millis > 0 ? `${base}.${String(millis).padStart(3, '0')}` : base;
}
