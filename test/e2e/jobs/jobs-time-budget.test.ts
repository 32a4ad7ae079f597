import { type JobsHost, seedFleet, startJobsHost } from './jobs-host';
import { waitFor } from '../../support/wait-for';

/**
 * The engine under a short functionTimeout (as a Consumption host enforces it): a job whose devices take longer
 * than one function may run continues in further activity calls, each device once.
 */
let host: JobsHost;

const SLOW = 24;

beforeAll(async () => {
  host = await startJobsHost({
    // 20 s per function, as the host enforces it: each run step must end by 15 s.
    AzureFunctionsJobHost__functionTimeout: '00:00:20',
    JOB_MAX_DEVICES_IN_FLIGHT: '2',
  });
  await seedFleet(host, [
    ...Array.from({ length: SLOW }, (_, i) => ({
      id: `slow-${String(i).padStart(2, '0')}`,
      tags: { fleet: 'slow' },
      simulation: { latencyMs: 2500 },
    })),
  ]);
}, 120_000);

afterAll(async () => {
  await host.stop();
}, 30_000);

interface Job {
  jobId: string;
  status: string;
  deviceJobStatistics: { deviceCount: number; succeededCount: number; failedCount: number };
}

function waitFinished(jobId: string, timeoutMs: number): Promise<Job> {
  return waitFor(
    `job ${jobId} to finish`,
    async () => (await (await host.http('GET', `/jobs/v2/${jobId}`)).json()) as Job,
    (job) => ['completed', 'failed', 'cancelled'].includes(job.status),
    { timeoutMs, intervalMs: 500 },
  );
}

it('runs devices that outlast a 20 s functionTimeout in further activity calls, each device once', async () => {
  // 24 devices × 2.5 s ÷ 2 in flight = 30 s of work: more than one 20 s function can hold.
  const started = Date.now();
  const create = await host.http('PUT', '/jobs/v2/slow-run', {
    body: {
      type: 'scheduleDeviceMethod',
      cloudToDeviceMethod: { methodName: 'reboot', payload: null, responseTimeoutInSeconds: 5 },
      queryCondition: "tags.fleet = 'slow'",
    },
  });
  expect(create.status).toBe(200);
  const job = await waitFinished('slow-run', 120_000);
  expect(Date.now() - started).toBeGreaterThan(25_000);
  expect(job.status).toBe('completed');
  expect(job.deviceJobStatistics).toMatchObject({ deviceCount: SLOW, succeededCount: SLOW, failedCount: 0 });
  const rows = (await (
    await host.http('POST', '/devices/query', {
      body: { query: "SELECT * FROM devices.jobs WHERE devices.jobs.jobId = 'slow-run'" },
    })
  ).json()) as { deviceId: string; status: string; startTimeUtc: string; endTimeUtc: string }[];
  expect(rows).toHaveLength(SLOW);
  expect(new Set(rows.map((row) => row.deviceId)).size).toBe(SLOW);
  expect(rows.every((row) => row.status === 'completed')).toBe(true);
  // Each device ran once: one call of about 2.5 s, never repeated after its step ended.
  for (const row of rows) {
    const seconds = (Date.parse(row.endTimeUtc) - Date.parse(row.startTimeUtc)) / 1000;
    expect(seconds).toBeGreaterThanOrEqual(2.4);
    expect(seconds).toBeLessThan(10);
  }
}, 180_000);
