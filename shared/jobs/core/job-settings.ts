/** Tunables of job execution; the composition root fills them from app settings. */
export interface JobSettings {
  /** Devices per shard: one storage partition of device rows and one counter row (tuning, not concurrency). */
  shardSize: number;
  /** Most devices of one job with a call outstanding at once (`JOB_MAX_DEVICES_IN_FLIGHT`). */
  maxDevicesInFlight: number;
  /** Retry policy of every activity call. */
  activityRetry: ActivityRetrySettings;
}

/** Back-off of activity retries (durable `RetryOptions`). */
export interface ActivityRetrySettings {
  firstRetryIntervalMs: number;
  maxNumberOfAttempts: number;
  backoffCoefficient: number;
  maxRetryIntervalMs: number;
}

export const DEFAULT_JOB_SETTINGS: JobSettings = {
  shardSize: 100,
  maxDevicesInFlight: 200,
  activityRetry: {
    firstRetryIntervalMs: 2_000,
    maxNumberOfAttempts: 5,
    backoffCoefficient: 2,
    maxRetryIntervalMs: 60_000,
  },
};

/** How long one activity of the host that runs it may take (not captured per job: it is the host's). */
export interface ActivityLimits {
  /** `JOB_ACTIVITY_TIME_BUDGET_SECONDS` in ms: an activity starts no work past it and ends soon after. */
  budgetMs: number;
  /** The host's `functionTimeout` in ms; `undefined` when the host sets none (-1). */
  functionTimeoutMs: number | undefined;
  /** How often a run checks for a cancel, the deadline and its abort condition (default 500 ms). */
  stopCheckIntervalMs?: number;
}

/** Consumption's default functionTimeout, the smallest of Azure's defaults: assumed when the app sets none. */
export const DEFAULT_FUNCTION_TIMEOUT_MS = 5 * 60_000;

export const DEFAULT_ACTIVITY_LIMITS: ActivityLimits = {
  budgetMs: 120_000,
  functionTimeoutMs: DEFAULT_FUNCTION_TIMEOUT_MS,
};
