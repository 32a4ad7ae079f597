import type { ActivityHandler } from 'durable-functions';
import {
  type FinalizeJobCommand,
  type JobExecutionDependencies,
  finalizeJob,
} from '../../shared/jobs/job-execution';
import { JOB_FUNCTION_NAMES } from './job-function-names';
import { requireInteger, requireObject, requireString } from './job-activity-input';

const OUTCOMES = ['completed', 'failed', 'cancelled'] as const;

/** Settles unfinished devices and moves the job to its final status with its end time. */
export function createFinalizeJobActivity(deps: JobExecutionDependencies): ActivityHandler {
  const name = JOB_FUNCTION_NAMES.finalize;
  return async (raw: unknown): Promise<{ status: string; endTime?: string }> => {
    const input = requireObject(name, raw);
    const outcome = OUTCOMES.find((candidate) => candidate === input.outcome);
    if (!outcome) throw new TypeError(`${name}: outcome must be one of ${OUTCOMES.join(', ')}.`);
    const command: FinalizeJobCommand = {
      jobId: requireString(name, input, 'jobId'),
      outcome,
      shardCount: requireInteger(name, input, 'shardCount', 0),
    };
    if (typeof input.failureReason === 'string') command.failureReason = input.failureReason;
    if (typeof input.deviceErrorCode === 'string') command.deviceErrorCode = input.deviceErrorCode;
    const job = await finalizeJob(deps, command);
    return job.endTime ? { status: job.status, endTime: job.endTime } : { status: job.status };
  };
}
