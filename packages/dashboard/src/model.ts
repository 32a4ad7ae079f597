/** View helpers over the API's wire types (the contract of @device-jobs/client). */
import type { DeviceJobStatistics, JobResponse, JobStatus } from '@device-jobs/client';

/** Statuses of a job that has not ended (a paused job waits, its page keeps refreshing). */
export const ACTIVE_STATUSES: readonly JobStatus[] = ['queued', 'scheduled', 'running', 'paused'];

export function isActive(job: Pick<JobResponse, 'status'>): boolean {
  return ACTIVE_STATUSES.includes(job.status);
}

export function finishedCount(stats: DeviceJobStatistics): number {
  return stats.succeededCount + stats.failedCount;
}

/** Finished devices in percent of the job's devices, whole numbers; 0 while the targets are unknown. */
export function percentDone(stats: DeviceJobStatistics): number {
  if (stats.deviceCount === 0) return 0;
  return Math.floor((finishedCount(stats) * 100) / stats.deviceCount);
}

export const TYPE_LABELS: Readonly<Record<string, string>> = {
  scheduleDeviceMethod: 'Direct method',
  scheduleUpdateTwin: 'Twin update',
};
