import {
  type JobExecutionDependencies,
  type MarkRunningCommand,
  type MarkRunningResult,
  markJobRunning,
} from '../../shared/jobs/engine/job-execution';
import { requireObject, requireString } from './job-activity-input';

const NAME = 'jobMarkRunning';

export function parseMarkRunningInput(raw: unknown): MarkRunningCommand {
  const input = requireObject(NAME, raw);
  return {
    jobId: requireString(NAME, input, 'jobId'),
    runStartedTime: requireString(NAME, input, 'runStartedTime'),
  };
}

/** Moves the job to `running` (unless it was cancelled first). */
export function createMarkJobRunningActivity(deps: Pick<JobExecutionDependencies, 'jobs'>) {
  return (input: MarkRunningCommand): Promise<MarkRunningResult> => markJobRunning(deps, input);
}
