/** Tunables of job execution; the composition root fills them from app settings. */
export interface JobSettings {
  /** Devices per shard (one shard activity runs one shard). */
  shardSize: number;
  /** Shard activities the orchestrator keeps running at once. */
  shardsInFlight: number;
  /** Devices a shard activity works on at once. */
  devicesInFlightPerShard: number;
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
  shardsInFlight: 8,
  devicesInFlightPerShard: 10,
  activityRetry: {
    firstRetryIntervalMs: 2_000,
    maxNumberOfAttempts: 5,
    backoffCoefficient: 2,
    maxRetryIntervalMs: 60_000,
  },
};
