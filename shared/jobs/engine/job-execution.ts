import { DEVICE_ERROR_CODES, type DeviceResult } from '../core/device-outcome';
import { JobNotFoundError } from '../core/job-errors';
import { retryOnConflict } from '../../iothub-rules';
import { isWaitingToStart } from '../core/job-lifecycle';
import type { DeviceJobRecord, DeviceJobStatus, JobRecord, JobStatus } from '../core/job-model';
import { type JobEventsDependencies, publishSoon } from './job-event-publisher';
import { lifecycleEvents } from '../core/job-events';
import type { ActivityLimits } from '../core/job-settings';
import type { CronParser } from '../core/job-schedule-model';
import type { DeviceOperationBudget } from '../core/device-budget';
import type {
  Clock,
  CompletionWaitRepository,
  Delays,
  DeviceIdListRepository,
  DeviceJobRepository,
  DurationObservationRepository,
  IdGenerator,
  JobDeviceGateway,
  JobJoinRepository,
  JobRepository,
  StoredJob,
} from '../core/ports';

/** Ports the execution steps (the orchestration's activities) work with. */
export interface JobExecutionDependencies {
  jobs: JobRepository;
  /** Job events (absent or without a queue: none are written). */
  events?: JobEventsDependencies;
  /** Where finished jobs leave their device latency for dry-run estimates (optional). */
  observations?: DurationObservationRepository;
  deviceIdLists: DeviceIdListRepository;
  deviceJobs: DeviceJobRepository;
  gateway: JobDeviceGateway;
  /** Devices waiting for their job's `completionCondition` (required by jobs that have one). */
  completionWaits?: CompletionWaitRepository;
  clock: Clock;
  /** Every wait of a step (retries, stop checks, flushes, the lease's renewals). */
  delays: Delays;
  /** Names each delivery's hold on a job's engine lease. */
  ids: IdGenerator;
  /** How long one activity may run on this host. */
  limits: ActivityLimits;
  /** NCRONTAB in a time zone: a job's maintenance windows (`schedulingConfig`). */
  parseCron?: CronParser;
  /** Members of continuous jobs and the devices that joined them (absent: jobs run their snapshot only). */
  joins?: JobJoinRepository;
  /** The device-operation budget every running job shares (`JOBS_DEVICE_OPERATIONS_PER_SECOND`); absent: none. */
  budget?: DeviceOperationBudget;
}

export interface MarkRunningCommand {
  jobId: string;
  runStartedTime: string;
}

export interface MarkRunningResult {
  /** False when the job was cancelled (or otherwise ended) before it could run. */
  proceed: boolean;
  status: JobStatus;
}

export { type JobOutcome, type RunCursor, START_CURSOR } from '../core/run-cursor';

export async function loadJob(jobs: JobRepository, jobId: string): Promise<StoredJob> {
  const stored = await jobs.get(jobId);
  if (!stored) throw new JobNotFoundError(jobId);
  return stored;
}

/** Applies `change` to the job row, re-reading and retrying when a concurrent writer got there first. */
export async function updateJob(
  jobs: JobRepository,
  jobId: string,
  change: (job: JobRecord) => JobRecord | undefined,
  events?: { deps: JobEventsDependencies | undefined; at: string },
): Promise<JobRecord> {
  return retryOnConflict(async () => {
    const stored = await loadJob(jobs, jobId);
    const next = change(stored.job);
    if (!next) return stored.job;
    // The lifecycle events of the change are stored with it, in the same transaction.
    const withEvents = events?.deps?.queue
      ? lifecycleEvents(stored.job, next, await jobs.getStatistics(jobId), events.at)
      : { job: next, events: [] };
    await jobs.update(withEvents.job, stored.etag, withEvents.events);
    if (events?.deps && withEvents.events.length > 0) await publishSoon(events.deps, jobId);
    return withEvents.job;
  });
}

/** Moves a queued or scheduled job to `running`, recording when it actually started. Idempotent. */
export async function markJobRunning(
  deps: Pick<JobExecutionDependencies, 'jobs' | 'events'>,
  command: MarkRunningCommand,
): Promise<MarkRunningResult> {
  const job = await updateJob(
    deps.jobs,
    command.jobId,
    (current) => {
      // Only a job waiting to start: a repeated delivery must not resume a paused job.
      if (!isWaitingToStart(current.status)) return undefined;
      return {
        ...current,
        status: 'running',
        runStartedTime: command.runStartedTime,
        statusMessage: 'Running.',
      };
    },
    { deps: deps.events, at: command.runStartedTime },
  );
  return { proceed: job.status === 'running' || job.status === 'paused', status: job.status };
}

/** A fresh `pending` row for a resolved target. */
export function pendingRow(job: JobRecord, deviceId: string, shard: number, now: string): DeviceJobRecord {
  return {
    jobId: job.jobId,
    deviceId,
    jobType: job.type,
    shard,
    status: 'pending',
    createdDateTimeUtc: now,
    lastUpdatedDateTimeUtc: now,
  };
}

/** A device row at the end of its run. */
export function finish(row: DeviceJobRecord, result: DeviceResult, startedAt: string, endedAt: string) {
  const next: DeviceJobRecord = {
    ...row,
    status: result.status,
    startTimeUtc: startedAt,
    endTimeUtc: endedAt,
    lastUpdatedDateTimeUtc: endedAt,
  };
  delete next.outcome;
  delete next.error;
  delete next.overwritten;
  if (result.outcome) next.outcome = result.outcome;
  if (result.error) next.error = result.error;
  if (result.overwritten) next.overwritten = result.overwritten;
  return next;
}

export function deadlineError(job: JobRecord) {
  return {
    code: DEVICE_ERROR_CODES.deadlineExceeded,
    description: `The job's maxExecutionTimeInSeconds (${job.maxExecutionTimeInSeconds} s) elapsed before this device ran.`,
  };
}

/** Rows that never ran, settled as `canceled` or `failed` (with `error`). */
export function settle(
  rows: readonly DeviceJobRecord[],
  status: Extract<DeviceJobStatus, 'canceled' | 'failed'>,
  now: Date,
  error: { code: string; description: string },
): DeviceJobRecord[] {
  const at = now.toISOString();
  return rows.map((row) => {
    const next: DeviceJobRecord = { ...row, status, endTimeUtc: at, lastUpdatedDateTimeUtc: at };
    delete next.waitingUntil;
    if (status === 'failed') next.error = error;
    return next;
  });
}
