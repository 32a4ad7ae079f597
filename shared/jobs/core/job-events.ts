import type { DeviceJobStatistics, JobRecord } from './job-model';
import { isWaitingToStart } from './job-lifecycle';
import { type JobResponse, toJobResponse } from './job-response';

/** The CloudEvents `type`s of a job's life. */
export const JOB_EVENT_TYPES = {
  created: 'DeviceJobs.JobCreated',
  started: 'DeviceJobs.JobStarted',
  progress: 'DeviceJobs.JobProgress',
  paused: 'DeviceJobs.JobPaused',
  resumed: 'DeviceJobs.JobResumed',
  completed: 'DeviceJobs.JobCompleted',
  failed: 'DeviceJobs.JobFailed',
  cancelled: 'DeviceJobs.JobCancelled',
  rollbackStarted: 'DeviceJobs.JobRollbackStarted',
} as const;

export type JobEventType = (typeof JOB_EVENT_TYPES)[keyof typeof JOB_EVENT_TYPES];

/** A job event as published: CloudEvents 1.0, JSON format, with the `sequence` extension attribute. */
export interface JobCloudEvent {
  specversion: '1.0';
  /** Stable per event (`{jobId}:{created epoch ms}:{sequence}`): consumers de-duplicate by it. */
  id: string;
  source: '/jobs/v2';
  type: JobEventType;
  subject: string;
  time: string;
  datacontenttype: 'application/json';
  /** The event's place in its job's life (1, 2, …; CloudEvents sequence extension, decimal string). */
  sequence: string;
  data: JobResponse;
}

export const JOB_EVENT_SOURCE = '/jobs/v2';

/** The job row with its event counter advanced, and the events to store with it in one transaction. */
export interface JobChangeWithEvents {
  job: JobRecord;
  events: JobCloudEvent[];
}

function eventOf(
  job: JobRecord,
  type: JobEventType,
  sequence: number,
  statistics: DeviceJobStatistics,
  at: string,
) {
  const event: JobCloudEvent = {
    specversion: '1.0',
    id: `${job.jobId}:${Date.parse(job.createdTime)}:${sequence}`,
    source: JOB_EVENT_SOURCE,
    type,
    subject: job.jobId,
    time: at,
    datacontenttype: 'application/json',
    sequence: String(sequence),
    data: toJobResponse(job, statistics),
  };
  return event;
}

function endEventType(job: JobRecord): JobEventType | undefined {
  if (job.status === 'completed') return JOB_EVENT_TYPES.completed;
  if (job.status === 'failed') return JOB_EVENT_TYPES.failed;
  if (job.status === 'cancelled') return JOB_EVENT_TYPES.cancelled;
  return undefined;
}

/**
 * The lifecycle events a change of the job row means: created (no row before), started (now `running`), paused and
 * resumed (their `data.lastControlAction` says who and why), and
 * ended (the `endTime` is set: completed, failed or cancelled; a cancel request alone is not the end, the job
 * ends when its running devices have finished). Advances the row's event counter accordingly.
 */
export function lifecycleEvents(
  before: JobRecord | undefined,
  after: JobRecord,
  statistics: DeviceJobStatistics,
  at: string,
): JobChangeWithEvents {
  const types: JobEventType[] = [];
  if (!before) types.push(JOB_EVENT_TYPES.created);
  if (before && isWaitingToStart(before.status) && after.status === 'running')
    types.push(JOB_EVENT_TYPES.started);
  if (before && before.status !== 'paused' && after.status === 'paused') types.push(JOB_EVENT_TYPES.paused);
  if (before?.status === 'paused' && after.status === 'running') types.push(JOB_EVENT_TYPES.resumed);
  const ended = endEventType(after);
  if (ended && after.endTime !== undefined && before?.endTime === undefined) types.push(ended);
  if (before && after.rollbackJobId !== undefined && after.rollbackJobId !== before.rollbackJobId) {
    types.push(JOB_EVENT_TYPES.rollbackStarted);
  }
  return withEvents(after, types, statistics, at);
}

/** A progress event (live statistics) of a running job, if `intervalSeconds` passed since the last one. */
export function progressEvent(
  job: JobRecord,
  statistics: DeviceJobStatistics,
  now: Date,
  intervalSeconds: number,
): JobChangeWithEvents | undefined {
  if (job.status !== 'running') return undefined;
  const last = job.lastProgressEventTime ?? job.runStartedTime;
  if (last !== undefined && now.getTime() - Date.parse(last) < intervalSeconds * 1000) return undefined;
  const at = now.toISOString();
  return withEvents({ ...job, lastProgressEventTime: at }, [JOB_EVENT_TYPES.progress], statistics, at);
}

function withEvents(
  job: JobRecord,
  types: readonly JobEventType[],
  statistics: DeviceJobStatistics,
  at: string,
): JobChangeWithEvents {
  let sequence = job.eventSequence ?? 0;
  const events = types.map((type) => {
    sequence += 1;
    return { type, sequence };
  });
  const next = events.length > 0 ? { ...job, eventSequence: sequence } : job;
  return { job: next, events: events.map(({ type, sequence: n }) => eventOf(next, type, n, statistics, at)) };
}
