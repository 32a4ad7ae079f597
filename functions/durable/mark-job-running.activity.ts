import type { ActivityHandler } from 'durable-functions';
import {
  type JobExecutionDependencies,
  type MarkRunningResult,
  markJobRunning,
} from '../../shared/jobs/job-execution';
import { JOB_FUNCTION_NAMES } from './job-function-names';
import { requireObject, requireString } from './job-activity-input';

/** Input of {@link JOB_FUNCTION_NAMES.markRunning}. */
export interface MarkJobRunningInput {
  jobId: string;
  runStartedTime: string;
}

export function createMarkJobRunningActivity(deps: Pick<JobExecutionDependencies, 'jobs'>): ActivityHandler {
  const name = JOB_FUNCTION_NAMES.markRunning;
  return async (raw: unknown): Promise<MarkRunningResult> => {
    const input = requireObject(name, raw);
    return markJobRunning(deps, {
      jobId: requireString(name, input, 'jobId'),
      runStartedTime: requireString(name, input, 'runStartedTime'),
    } satisfies MarkJobRunningInput);
  };
}
