import type { ActivityHandler } from 'durable-functions';
import {
  type JobExecutionDependencies,
  type RunShardCommand,
  type ShardRunResult,
  runShard,
} from '../../shared/jobs/job-execution';
import { JOB_FUNCTION_NAMES } from './job-function-names';
import { requireInteger, requireObject, requireString } from './job-activity-input';

/** Runs one shard's unfinished devices; answers the shard's counters and why it stopped early, if it did. */
export function createRunShardActivity(deps: JobExecutionDependencies): ActivityHandler {
  const name = JOB_FUNCTION_NAMES.runShard;
  return async (raw: unknown): Promise<ShardRunResult> => {
    const input = requireObject(name, raw);
    return runShard(deps, {
      jobId: requireString(name, input, 'jobId'),
      shard: requireInteger(name, input, 'shard', 0),
      deadline: requireString(name, input, 'deadline'),
      devicesInFlight: requireInteger(name, input, 'devicesInFlight', 1),
    } satisfies RunShardCommand);
  };
}
