import type { ActivityHandler } from 'durable-functions';
import {
  type JobExecutionDependencies,
  type ResolveTargetsResult,
  resolveJobTargets,
} from '../../shared/jobs/job-execution';
import { JOB_FUNCTION_NAMES } from './job-function-names';
import { requireInteger, requireObject, requireString } from './job-activity-input';

/** Input of {@link JOB_FUNCTION_NAMES.resolveTargets}. */
export interface ResolveJobTargetsInput {
  jobId: string;
  shardSize: number;
}

/** Writes the job's pending device rows and answers shard descriptors (never device ids). */
export function createResolveTargetsActivity(deps: JobExecutionDependencies): ActivityHandler {
  const name = JOB_FUNCTION_NAMES.resolveTargets;
  return async (raw: unknown): Promise<ResolveTargetsResult> => {
    const input = requireObject(name, raw);
    return resolveJobTargets(deps, {
      jobId: requireString(name, input, 'jobId'),
      shardSize: requireInteger(name, input, 'shardSize', 1),
    } satisfies ResolveJobTargetsInput);
  };
}
