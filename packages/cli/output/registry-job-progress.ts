import type { JobResponse, JobType, RegistryJobResponse } from '@device-jobs/client';

const STATUS: Record<RegistryJobResponse['status'], JobResponse['status']> = {
  enqueued: 'queued',
  running: 'running',
  completed: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
};

/**
 * An import or export job in the shape the job progress view draws, so `registry` commands show the same bar,
 * rate and ETA as `job --watch`: the devices done so far are `deviceCount` (failed import lines as failed), and
 * the total is what `progress` (percent of the input read, or of the registry scanned) says they are part of.
 */
export function asProgressJob(job: RegistryJobResponse): JobResponse {
  const done = job.deviceCount;
  const failed = job.failedCount ?? 0;
  const finished = ['completed', 'failed', 'cancelled'].includes(job.status);
  const total =
    finished || job.progress <= 0 ? done : Math.max(done, Math.round((done * 100) / job.progress));
  return {
    jobId: job.jobId,
    type: job.type as unknown as JobType,
    status: STATUS[job.status],
    createdTime: job.startTimeUtc ?? '',
    startTime: job.startTimeUtc ?? 'now',
    maxExecutionTimeInSeconds: 0,
    deviceJobStatistics: {
      deviceCount: total,
      succeededCount: done - failed,
      failedCount: failed,
      runningCount: 0,
      pendingCount: total - done,
    },
  };
}
