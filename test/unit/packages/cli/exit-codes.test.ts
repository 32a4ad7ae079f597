import type { JobResponse } from '@device-jobs/client';
import { newestFirst } from '../../../../packages/cli/commands/job';
import { EXIT } from '../../../../packages/cli/errors';
import { exitCodeOf } from '../../../../packages/cli/watch';

function job(
  jobId: string,
  status: JobResponse['status'],
  counts: { succeeded: number; failed: number },
  createdTime = '2026-12-01T00:00:00.000Z',
): JobResponse {
  return {
    jobId,
    type: 'scheduleDeviceMethod',
    status,
    createdTime,
    startTime: createdTime,
    maxExecutionTimeInSeconds: 3600,
    deviceJobStatistics: {
      deviceCount: counts.succeeded + counts.failed,
      succeededCount: counts.succeeded,
      failedCount: counts.failed,
      runningCount: 0,
      pendingCount: 0,
    },
  };
}

describe('exit codes of a watched job', () => {
  test('0 only when the job completed and every device succeeded', () => {
    expect(exitCodeOf(job('a', 'completed', { succeeded: 20, failed: 0 }))).toBe(EXIT.ok);
    expect(exitCodeOf(job('a', 'completed', { succeeded: 0, failed: 0 }))).toBe(EXIT.ok);
  });

  test('4 when the job completed with failed or canceled devices (a rerun of offline devices)', () => {
    expect(EXIT.devicesFailed).toBe(4);
    expect(exitCodeOf(job('a', 'completed', { succeeded: 0, failed: 20 }))).toBe(4);
    expect(exitCodeOf(job('a', 'completed', { succeeded: 980, failed: 20 }))).toBe(4);
  });

  test('1 failed and 2 cancelled, whatever the device counts', () => {
    expect(exitCodeOf(job('a', 'failed', { succeeded: 5, failed: 0 }))).toBe(EXIT.jobFailed);
    expect(exitCodeOf(job('a', 'cancelled', { succeeded: 5, failed: 3 }))).toBe(EXIT.jobCancelled);
    expect(new Set(Object.values(EXIT)).size).toBe(Object.values(EXIT).length);
  });
});

describe('job list order', () => {
  test('newest first by creation time, ties by id, whatever order the service answered in', () => {
    const jobs = [
      job('a-old', 'completed', { succeeded: 1, failed: 0 }, '2026-12-01T10:00:00.000Z'),
      job('b-new', 'running', { succeeded: 1, failed: 0 }, '2026-12-01T12:00:00.000Z'),
      job('c-mid', 'completed', { succeeded: 1, failed: 0 }, '2026-12-01T11:00:00.000Z'),
      job('a-mid', 'completed', { succeeded: 1, failed: 0 }, '2026-12-01T11:00:00.000Z'),
    ];
    expect(newestFirst(jobs).map((j) => j.jobId)).toEqual(['b-new', 'a-mid', 'c-mid', 'a-old']);
    expect(jobs[0]?.jobId).toBe('a-old');
  });
});
