import { RollbackBodySchema } from '../../schemas/job-control.schema';
import { type JobCreationDependencies, storeAndStartRecord } from './job-creation';
import { JobAlreadyExistsError, JobNotFoundError, JobNotRollbackableError } from '../core/job-errors';
import { parseJobField } from '../core/rollout-config';
import { updateJob } from '../engine/job-execution';
import { initialJobStatus, isTerminalJobStatus } from '../core/job-lifecycle';
import type { JobRecord } from '../core/job-model';
import { assertJobId } from '../core/name-rules';

/** A rollback request: the job to roll back (the URL's `{jobId}`) and the raw body (absent, or `{ jobId }`). */
export interface RollbackJobCommand {
  jobId: string;
  body?: unknown;
}

/** The id a rollback gets when none is given, and the one an abort with `action: rollback` starts. */
export function defaultRollbackJobId(jobId: string): string {
  return `${jobId}-rollback`;
}

/** The new job's id from the body of `POST /jobs/v2/{jobId}/rollback` (absent: `<jobId>-rollback`). */
export function parseRollbackBody(parentJobId: string, body: unknown): string {
  return validRollbackId(parentJobId, parseJobField(RollbackBodySchema, body, '').jobId);
}

function validRollbackId(parentJobId: string, requested: string | undefined): string {
  const jobId = requested ?? defaultRollbackJobId(parentJobId);
  assertJobId('jobId', jobId);
  return jobId;
}

/** The rollback job's row: a twin job over the parent's completed devices, restoring what it overwrote. */
function rollbackRecord(parent: JobRecord, jobId: string, now: Date): JobRecord {
  const startTime = now.toISOString();
  const job: JobRecord = {
    jobId,
    type: 'scheduleUpdateTwin',
    status: initialJobStatus(startTime, now),
    createdTime: startTime,
    startTime,
    maxExecutionTimeInSeconds: parent.maxExecutionTimeInSeconds,
    parentJobId: parent.jobId,
    rollbackOf: parent.jobId,
  };
  // The parent's pace and retries suit its devices; its waves and abort criteria do not suit an undo.
  const { waves: _waves, ...pace } = parent.rolloutConfig ?? {};
  if (Object.keys(pace).length > 0) job.rolloutConfig = pace;
  if (parent.retryConfig) job.retryConfig = parent.retryConfig;
  return job;
}

/**
 * `POST /jobs/v2/{jobId}/rollback`: starts a twin job (`parentJobId` = `rollbackOf` = the job) that puts back, on
 * every device where the job completed, the values its patch overwrote; a device whose patched values someone
 * changed since fails with `RollbackConflict` and is left alone. A job that has not ended is cancelled first (as
 * a cancel would: its devices in flight finish) and the rollback waits for its end. The parent records the
 * rollback (`rollbackJobId`, event `DeviceJobs.JobRollbackStarted`).
 */
export async function rollbackJob(
  deps: JobCreationDependencies,
  command: RollbackJobCommand,
  now: Date,
): Promise<JobRecord> {
  assertJobId('jobId of the URL', command.jobId);
  const jobId = parseRollbackBody(command.jobId, command.body);
  const stored = await deps.jobs.get(command.jobId);
  if (!stored) throw new JobNotFoundError(command.jobId);
  const parent = stored.job;
  if (parent.type !== 'scheduleUpdateTwin') {
    throw new JobNotRollbackableError(
      parent.jobId,
      'it is a direct method job, and a method call cannot be undone.',
    );
  }
  if (parent.rollbackOf !== undefined) {
    throw new JobNotRollbackableError(
      parent.jobId,
      `it is the rollback of '${parent.rollbackOf}'; rerun '${parent.rollbackOf}' to apply its patch again.`,
    );
  }
  if (jobId === parent.jobId) throw new JobAlreadyExistsError(jobId);
  const created = await storeAndStartRecord(deps, rollbackRecord(parent, jobId, now));
  const at = now.toISOString();
  const marked = await updateJob(
    deps.jobs,
    parent.jobId,
    (current) => {
      const next: JobRecord = { ...current, rollbackJobId: jobId };
      if (isTerminalJobStatus(current.status)) return next;
      return { ...next, status: 'cancelled', statusMessage: `Cancelled for rollback '${jobId}'.` };
    },
    { deps: deps.events, at },
  );
  if (marked.status === 'cancelled' && !isTerminalJobStatus(parent.status)) {
    await deps.orchestrations.raiseCancel(parent.jobId);
  }
  return created;
}

/**
 * Starts `<jobId>-rollback` for a job an abort criterion with `action: rollback` stopped. Idempotent: a second
 * call (a repeated activity, another host) finds the rollback job there and does nothing.
 */
export async function startAbortRollback(
  deps: JobCreationDependencies,
  jobId: string,
  now: Date,
): Promise<void> {
  const rollbackId = defaultRollbackJobId(jobId);
  try {
    assertJobId('jobId', rollbackId);
  } catch {
    return;
  }
  const stored = await deps.jobs.get(jobId);
  if (!stored || stored.job.rollbackJobId !== undefined) return;
  try {
    await rollbackJob(deps, { jobId, body: { jobId: rollbackId } }, now);
  } catch (error: unknown) {
    if (!(error instanceof JobAlreadyExistsError)) throw error;
  }
}
