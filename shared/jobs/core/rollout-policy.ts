import type { DeviceJobError } from './job-model';
import type { AbortConfig, AbortCriterion, FailureType, RetryConfig, RolloutConfig } from './rollout-config';
import { type RolloutProgress, startIntervalSeconds } from './rollout-rate';

/**
 * Device error codes that mean the device did not answer in time or was not connected, or did not reach its
 * job's completion condition in time.
 */
export const TIMED_OUT_CODES: readonly string[] = [
  'GatewayTimeout',
  'DeviceNotOnline',
  'CompletionConditionTimeout',
];

/** How a device failure counts for abort and retry criteria. */
export function failureTypeOf(error: DeviceJobError | undefined): Exclude<FailureType, 'all'> {
  return error && TIMED_OUT_CODES.includes(error.code) ? 'timedOut' : 'failed';
}

/**
 * Retries allowed for a failure: the criterion of its own type, else the `all` criterion, else none. Attempts
 * of a device = 1 + retries at most.
 */
export function retriesFor(config: RetryConfig | undefined, error: DeviceJobError | undefined): number {
  if (!config) return 0;
  const type = failureTypeOf(error);
  const own = config.criteriaList.find((criterion) => criterion.failureType === type);
  const all = config.criteriaList.find((criterion) => criterion.failureType === 'all');
  return (own ?? all)?.numberOfRetries ?? 0;
}

/** Back-off before retry n (1-based): 0.5 s, 1 s, 2 s, 4 s, then 8 s. */
export function retryDelayMs(retry: number): number {
  return Math.min(500 * 2 ** (retry - 1), 8_000);
}

/** Final device results of a job so far, by failure type (canceled devices never ran: not executed). */
export interface ExecutedCounts {
  succeeded: number;
  failed: number;
  timedOut: number;
}

/** An abort criterion met: the job's `failureReason`, and what follows the abort. */
export interface AbortDecision {
  reason: string;
  action: AbortCriterion['action'];
}

/** The `failureReason` of the first abort criterion met, if any (see {@link abortDecision}). */
export function abortReason(config: AbortConfig | undefined, counts: ExecutedCounts): string | undefined {
  return abortDecision(config, counts)?.reason;
}

/**
 * The first abort criterion met, if any: once at least `minNumberOfExecutedDevices` devices have a final result
 * and the share of them that failed that way reaches the threshold.
 */
export function abortDecision(
  config: AbortConfig | undefined,
  counts: ExecutedCounts,
): AbortDecision | undefined {
  if (!config) return undefined;
  const executed = counts.succeeded + counts.failed + counts.timedOut;
  for (const criterion of config.criteriaList) {
    if (executed < criterion.minNumberOfExecutedDevices || executed === 0) continue;
    const failing =
      criterion.failureType === 'all'
        ? counts.failed + counts.timedOut
        : criterion.failureType === 'timedOut'
          ? counts.timedOut
          : counts.failed;
    const percentage = (failing / executed) * 100;
    if (percentage >= criterion.thresholdPercentage) {
      const verb = criterion.failureType === 'timedOut' ? 'timed out' : 'failed';
      const reason =
        `Aborted: ${failing} of ${executed} executed devices ${verb} ` +
        `(${formatPercent(percentage)}% ≥ ${formatPercent(criterion.thresholdPercentage)}%; ` +
        `abortConfig failureType '${criterion.failureType}', minNumberOfExecutedDevices ${criterion.minNumberOfExecutedDevices}).`;
      return { reason, action: criterion.action };
    }
  }
  return undefined;
}

function formatPercent(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1).replace(/\.0$/, '');
}

/**
 * The start-rate gate of a run step: each start waits until `60 / rate` seconds after the previous one (the rate
 * as the rollout allows it at that point). A step that continues a started job waits one interval before its
 * first start too, so step boundaries never exceed the rate.
 */
export function createRateGate(options: {
  rollout: RolloutConfig;
  progress: () => RolloutProgress;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Devices started by earlier steps. */
  startedBefore: number;
}): (() => Promise<void>) | undefined {
  if (options.rollout.maximumPerMinute === undefined) return undefined;
  let lastStart = options.startedBefore > 0 ? options.now() : undefined;
  return async () => {
    if (lastStart === undefined) {
      lastStart = options.now();
      return;
    }
    // Starts keep to the schedule (previous start + interval) rather than to when a timer happened to fire.
    const due = lastStart + startIntervalSeconds(options.rollout, options.progress()) * 1000;
    const wait = due - options.now();
    if (wait > 0) await options.sleep(wait);
    lastStart = Math.max(due, options.now() - 1);
  };
}
