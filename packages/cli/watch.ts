import type { DeviceJobsClient } from '@device-jobs/client';
import type { JobResponse } from '@device-jobs/client';
import { EXIT } from './errors';
import { isFinished } from './output/job-format';
import type { JobProgressView } from './output/job-progress';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls the job until it ends, showing every state; answers the final job. */
export async function watchJob(
  client: DeviceJobsClient,
  jobId: string,
  view: JobProgressView,
  intervalMs: number,
): Promise<JobResponse> {
  const stopOnInterrupt = () => {
    view.stop();
    process.exit(130);
  };
  process.once('SIGINT', stopOnInterrupt);
  try {
    for (;;) {
      const job = await client.getJob(jobId);
      view.update(job, Date.now());
      if (isFinished(job)) return job;
      await sleep(intervalMs);
    }
  } finally {
    view.stop();
    process.removeListener('SIGINT', stopOnInterrupt);
  }
}

/**
 * How a watched job ended: 0 completed with every device succeeded, 4 completed with failed or canceled devices,
 * 1 failed, 2 cancelled. A script tests `$? -eq 0` for "everything worked".
 */
export function exitCodeOf(job: JobResponse): number {
  if (job.status === 'failed') return EXIT.jobFailed;
  if (job.status === 'cancelled') return EXIT.jobCancelled;
  if (job.deviceJobStatistics.failedCount > 0) return EXIT.devicesFailed;
  return EXIT.ok;
}
