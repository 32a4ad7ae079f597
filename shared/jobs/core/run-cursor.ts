import type { DeviceCallSummary } from './job-observation';
import type { ExecutedCounts } from './rollout-policy';

/**
 * How far a job's run has come, carried from one activity call to the next (so history holds one small cursor
 * per call, never device ids).
 */
export interface RunCursor {
  /** Shards whose device rows exist: shard `n` holds the `n`-th page of resolved targets. */
  shardCount: number;
  /** The first shard that may hold a device not yet started; every device of an earlier shard has ended. */
  nextShard: number;
  /** Target resolution: done, or where its next page starts (absent: at the beginning). */
  targets: { done: true } | { done: false; continuation?: string };
  /** The device calls of the run so far (for the dry-run model, recorded when the job ends). */
  calls?: DeviceCallSummary;
  /** Final device results of the run so far, by failure type (what abort criteria read). */
  executed?: ExecutedCounts;
  /** The job has a `completionCondition`: devices may wait for it after the run (`jobSettleCompletions`). */
  completionWaits?: boolean;
}

export const START_CURSOR: RunCursor = { shardCount: 0, nextShard: 0, targets: { done: false } };

export type JobOutcome = 'completed' | 'failed' | 'cancelled';
