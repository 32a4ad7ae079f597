import type { JobEventOutbox, JobEventQueue } from './ports';

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
 */
export async function publishJobEvents(
  deps: Pick<JobEventsDependencies, 'outbox' | 'queue'>,
  jobId: string,
): Promise<number> {
  const { queue } = deps;
  if (!queue) return 0;
  let sent = 0;
  for (const pending of await deps.outbox.pending(jobId)) {
    await queue.send(pending.event);
    await deps.outbox.remove(jobId, pending.sequence);
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
