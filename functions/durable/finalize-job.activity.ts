import type { JobExecutionDependencies } from '../../shared/jobs/engine/job-execution';
import {
  type AbortRollbackStarter,
  type FinalizeJobCommand,
  type FinalizeJobResult,
  finalizeJob,
} from '../../shared/jobs/engine/job-finalize';
import { requireCursor, requireInteger, requireObject, requireString } from './job-activity-input';

const NAME = 'jobFinalize';
const OUTCOMES = ['completed', 'failed', 'cancelled'] as const;

export function parseFinalizeInput(raw: unknown): FinalizeJobCommand {
  const input = requireObject(NAME, raw);
  const outcome = OUTCOMES.find((candidate) => candidate === input.outcome);
  if (!outcome) throw new TypeError(`${NAME}: outcome must be one of ${OUTCOMES.join(', ')}.`);
  const command: FinalizeJobCommand = {
    jobId: requireString(NAME, input, 'jobId'),
    outcome,
    shardSize: requireInteger(NAME, input, 'shardSize', 1),
  };
  if (input.cursor !== undefined) command.cursor = requireCursor(NAME, input.cursor);
  if (typeof input.failureReason === 'string') command.failureReason = input.failureReason;
  if (typeof input.deviceErrorCode === 'string') command.deviceErrorCode = input.deviceErrorCode;
  if (input.settleAs === 'canceled') command.settleAs = 'canceled';
  if (typeof input.statusMessage === 'string') command.statusMessage = input.statusMessage;
  if (input.rollBack === true) command.rollBack = true;
  return command;
}

/** Settles unfinished devices (in time-bounded steps) and moves the job to its final status with its end time. */
export function createFinalizeJobActivity(
  deps: JobExecutionDependencies & { rollbacks?: AbortRollbackStarter },
) {
  return (input: FinalizeJobCommand): Promise<FinalizeJobResult> => finalizeJob(deps, input);
}
