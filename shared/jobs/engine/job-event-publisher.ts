import { ConcurrencyConflictError } from '../../iothub-rules';
import { type JobCloudEvent, progressEvent } from '../core/job-events';
import { aggregateStatistics } from '../core/job-statistics';
import type { Clock, JobEventOutbox, JobEventQueue, JobRepository, StoredJob } from '../core/ports';

/** Ports of event publishing; without a queue (`JOB_EVENTS_QUEUE` empty) no event is written at all. */
export interface JobEventsDependencies {
  outbox: JobEventOutbox;
  queue?: JobEventQueue;
  /** Least seconds between two `DeviceJobs.JobProgress` events of a job (`JOB_PROGRESS_EVENT_SECONDS`). */
  progressIntervalSeconds: number;
}

/**
 * Sends a job's stored events to the queue in sequence order, removing each once sent. Two publishers racing on
 * one job may both send an event (delivery is at least once; the event id is stable) but each sends in order.
 * `stored` are the job's only outbox rows when the caller has just written them (a new job): they are sent
 * without reading the outbox back.
 */
export async function publishJobEvents(
  deps: Pick<JobEventsDependencies, 'outbox' | 'queue'>,
  jobId: string,
  stored?: readonly JobCloudEvent[],
): Promise<number> {
  const { queue } = deps;
  if (!queue) return 0;
  const pending = stored
    ? stored.map((event) => ({ sequence: Number(event.sequence), event }))
    : await deps.outbox.pending(jobId);
  let sent = 0;
  for (const { event, sequence } of pending) {
    await queue.send(event);
    await deps.outbox.remove(jobId, sequence);
    sent += 1;
  }
  return sent;
}

/** Publishes every stored event left behind (a host crashed after storing a change, or the queue was down). */
export async function sweepJobEvents(deps: Pick<JobEventsDependencies, 'outbox' | 'queue'>): Promise<number> {
  if (!deps.queue) return 0;
  let sent = 0;
  for (const jobId of await deps.outbox.jobsWithPending()) sent += await publishJobEvents(deps, jobId);
  return sent;
}

/**
 * Publishes a job's stored events right after its change. A failure here loses nothing: the events stay in the
 * outbox and the `jobEventsSweep` timer publishes them.
 */
export async function publishSoon(
  events: JobEventsDependencies,
  jobId: string,
  stored?: readonly JobCloudEvent[],
): Promise<void> {
  try {
    await publishJobEvents(events, jobId, stored);
  } catch {
    // Left in the outbox for the sweep.
  }
}

/**
 * Writes a `DeviceJobs.JobProgress` event of a running job when its interval has passed (with the job row's
 * etag, so two run steps never write one twice) and publishes it. A concurrent change of the row skips this one.
 */
export async function publishProgress(
  deps: { jobs: JobRepository; clock: Clock; events?: JobEventsDependencies },
  stored: StoredJob,
): Promise<void> {
  const { events } = deps;
  if (!events?.queue) return;
  const now = deps.clock.now();
  const due = progressEvent(stored.job, aggregateStatistics([]), now, events.progressIntervalSeconds);
  if (!due) return;
  const change = progressEvent(
    stored.job,
    await deps.jobs.getStatistics(stored.job.jobId),
    now,
    events.progressIntervalSeconds,
  );
  if (!change) return;
  try {
    await deps.jobs.update(change.job, stored.etag, change.events);
  } catch (error: unknown) {
    if (error instanceof ConcurrencyConflictError) return;
    throw error;
  }
  await publishSoon(events, stored.job.jobId);
}
