import { type JobsHost, seedFleet, sleep, startJobsHost } from './jobs-host';

/**
 * The engine under a short functionTimeout (as a Consumption host enforces it) and under a burst of creates and
 * reads: a job whose devices take longer than one function may run continues in further activity calls, each
 * device once; concurrent creates and reads never answer 5xx and every job ends.
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
    ...Array.from({ length: 1000 }, (_, i) => ({
      id: `quick-${String(i).padStart(4, '0')}`,
      tags: { fleet: 'quick' },
    })),
  ]);
}, 120_000);

afterAll(async () => {
  await host.stop();
});

interface Job {
  jobId: string;
  status: string;
  deviceJobStatistics: { deviceCount: number; succeededCount: number; failedCount: number };
}

async function waitFinished(jobId: string, timeoutMs: number): Promise<Job> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await host.http('GET', `/jobs/v2/${jobId}`);
    const job = (await response.json()) as Job;
    if (['completed', 'failed', 'cancelled'].includes(job.status)) return job;
    if (Date.now() > deadline) throw new Error(`${jobId} still ${job.status}`);
    await sleep(500);
  }
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

it('answers 200 concurrent creates and 1,000 concurrent reads without a 5xx, and every job ends', async () => {
  const ids = Array.from({ length: 200 }, (_, i) => `burst-${i}`);
  const statuses = await Promise.all([
    ...ids.map(async (jobId, i) => {
      const response = await host.http('PUT', `/jobs/v2/${jobId}`, {
        body: {
          type: 'scheduleDeviceMethod',
          cloudToDeviceMethod: { methodName: 'ping', payload: null },
          deviceIds: [
            `quick-${String(i * 5).padStart(4, '0')}`,
            `quick-${String(i * 5 + 1).padStart(4, '0')}`,
          ],
        },
      });
      await response.text();
      return response.status;
    }),
    ...Array.from({ length: 1000 }, async (_, i) => {
      const response = await host.http('GET', `/jobs/v2/${ids[i % ids.length] ?? ''}`);
      await response.text();
      return response.status;
    }),
  ]);
  expect(statuses.filter((status) => status >= 500)).toEqual([]);
  expect(statuses.slice(0, 200).every((status) => status === 200)).toBe(true);
  // Reads racing their job's create answer 200 or 404, never anything else.
  expect(statuses.slice(200).every((status) => status === 200 || status === 404)).toBe(true);
  for (const jobId of ids) {
    const job = await waitFinished(jobId, 120_000);
    expect(job.status).toBe('completed');
    expect(job.deviceJobStatistics.succeededCount).toBe(2);
  }
}, 300_000);
