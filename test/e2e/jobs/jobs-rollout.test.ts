import { type JobsHost, seedFleet, startJobsHost } from './jobs-host';
import { waitFor } from '../../support/wait-for';

let host: JobsHost;

interface Job {
  jobId: string;
  status: string;
  startTime: string;
  endTime?: string;
  failureReason?: string;
  parentJobId?: string;
  deviceJobStatistics: { deviceCount: number; failedCount: number; succeededCount: number };
  [key: string]: unknown;
}

interface DeviceJob {
  deviceId: string;
  status: string;
  startTimeUtc: string | null;
  endTimeUtc: string | null;
  error: { code: string } | null;
  attempts?: number;
}

const LATENCY_MS = 300;

beforeAll(async () => {
  host = await startJobsHost({
    JOB_SHARD_SIZE: '20',
    JOB_MAX_DEVICES_IN_FLIGHT: '4',
  });
  await seedFleet(host, [
    ...Array.from({ length: 60 }, (_, i) => ({
      id: `slow-${String(i).padStart(2, '0')}`,
      tags: { fleet: 'slow' },
      simulation: { latencyMs: LATENCY_MS },
    })),
    ...Array.from({ length: 6 }, (_, i) => ({
      id: `mixed-${i}`,
      tags: { fleet: 'mixed' },
      simulation: { failureRate: i < 2 ? 1 : 0 },
    })),
    ...Array.from({ length: 10 }, (_, i) => ({ id: `rate-${i}`, tags: { fleet: 'rate' } })),
    ...Array.from({ length: 12 }, (_, i) => ({
      id: `flaky-${String(i).padStart(2, '0')}`,
      tags: { fleet: 'flaky' },
      simulation: { failureRate: 0.5 },
    })),
    ...Array.from({ length: 30 }, (_, i) => ({
      id: `doomed-${String(i).padStart(2, '0')}`,
      tags: { fleet: 'doomed' },
      simulation: { failureRate: 1, latencyMs: 100 },
    })),
  ]);
}, 120_000);

afterAll(async () => {
  await host?.stop();
});

// Devices here fail by answering 500: the extension field makes that a failure for abort, retry and rerun.
const methodJob = (extra: Record<string, unknown> = {}) => ({
  type: 'scheduleDeviceMethod',
  cloudToDeviceMethod: { methodName: 'reboot', payload: null, responseTimeoutInSeconds: 10 },
  queryCondition: "tags.fleet = 'mixed'",
  countMethodErrorsAsFailures: true,
  ...extra,
});

const put = (jobId: string, body: unknown, query = '') =>
  host.http('PUT', `/jobs/v2/${jobId}?api-version=2021-04-12${query}`, { body });

async function json<T>(response: Response, status = 200): Promise<T> {
  const text = await response.text();
  if (response.status !== status) throw new Error(`expected ${status}, got ${response.status}: ${text}`);
  return JSON.parse(text) as T;
}

function waitFinished(jobId: string, timeoutMs = 60_000): Promise<Job> {
  return waitFor(
    `job ${jobId} to finish`,
    async () => json<Job>(await host.http('GET', `/jobs/v2/${jobId}`)),
    (job) => Boolean(job.endTime),
    { timeoutMs },
  );
}

async function deviceJobs(jobId: string): Promise<DeviceJob[]> {
  const response = await host.http('POST', '/devices/query?api-version=2021-04-12', {
    body: { query: `SELECT * FROM devices.jobs WHERE devices.jobs.jobId = '${jobId}'` },
  });
  return json<DeviceJob[]>(response);
}

/** Most device calls of a job that were outstanding at the same instant. */
function peakOverlap(rows: DeviceJob[]): number {
  const edges = rows
    .filter((row) => row.startTimeUtc && row.endTimeUtc)
    .flatMap((row) => [
      { at: Date.parse(row.startTimeUtc ?? ''), delta: 1 },
      { at: Date.parse(row.endTimeUtc ?? ''), delta: -1 },
    ])
    .sort((a, b) => a.at - b.at || a.delta - b.delta);
  let current = 0;
  let peak = 0;
  for (const edge of edges) peak = Math.max(peak, (current += edge.delta));
  return peak;
}

/** Seconds between consecutive device starts of a job. */
async function startGaps(jobId: string): Promise<number[]> {
  const starts = (await deviceJobs(jobId))
    .map((row) => Date.parse(row.startTimeUtc ?? ''))
    .sort((a, b) => a - b);
  return starts.slice(1).map((start, i) => (start - (starts[i] ?? 0)) / 1000);
}

const controls = {
  rolloutConfig: { maxConcurrency: 4 },
  abortConfig: {
    criteriaList: [
      { failureType: 'all', action: 'cancel', thresholdPercentage: 90, minNumberOfExecutedDevices: 5 },
    ],
  },
  retryConfig: { criteriaList: [{ failureType: 'timedOut', numberOfRetries: 1 }] },
};

describe('rollout, abort and retry settings over HTTP', () => {
  it('echoes the controls in the create answer, GET and the listing', async () => {
    const created = await json<Job>(await put('echo', methodJob(controls)));
    expect(created).toMatchObject(controls);
    expect(await json<Job>(await host.http('GET', '/jobs/v2/echo'))).toMatchObject(controls);
    const listed = await json<Job[]>(await host.http('GET', '/jobs/v2/query'));
    expect(listed.find((job) => job.jobId === 'echo')).toMatchObject(controls);
    await waitFinished('echo');
  });

  it.each([
    ['rolloutConfig.maximumPerMinute', { rolloutConfig: { maximumPerMinute: 0 } }],
    [
      'rolloutConfig.maximumPerMinute',
      {
        rolloutConfig: {
          exponentialRate: {
            baseRatePerMinute: 1,
            incrementFactor: 2,
            rateIncreaseCriteria: { numberOfNotifiedDevices: 1 },
          },
        },
      },
    ],
    [
      'rolloutConfig.exponentialRate.incrementFactor',
      {
        rolloutConfig: {
          maximumPerMinute: 10,
          exponentialRate: {
            baseRatePerMinute: 1,
            incrementFactor: 6,
            rateIncreaseCriteria: { numberOfNotifiedDevices: 1 },
          },
        },
      },
    ],
    ['rolloutConfig.maxConcurrency', { rolloutConfig: { maxConcurrency: 0 } }],
    ['abortConfig.criteriaList', { abortConfig: { criteriaList: [] } }],
    [
      'abortConfig.criteriaList[0].thresholdPercentage',
      {
        abortConfig: {
          criteriaList: [
            { failureType: 'all', action: 'cancel', thresholdPercentage: -1, minNumberOfExecutedDevices: 1 },
          ],
        },
      },
    ],
    [
      'retryConfig.criteriaList[0].failureType',
      { retryConfig: { criteriaList: [{ failureType: 'sometimes', numberOfRetries: 1 }] } },
    ],
    [
      'retryConfig.criteriaList[0].numberOfRetries',
      { retryConfig: { criteriaList: [{ failureType: 'all', numberOfRetries: 11 }] } },
    ],
  ])(
    'refuses an invalid %s with 400 ArgumentInvalid, in a real create and a dry run, storing nothing',
    async (field, extra) => {
      for (const query of ['', '&dryRun=true']) {
        const response = await put('invalid-control', methodJob(extra), query);
        expect(response.status).toBe(400);
        expect(response.headers.get('iothub-errorcode')).toBe('ArgumentInvalid');
        expect(await response.text()).toContain(field);
      }
      expect((await host.http('GET', '/jobs/v2/invalid-control')).status).toBe(404);
    },
  );
});

interface DryRun {
  jobId: string;
  deviceCount: number;
  sampleDeviceIds: string[];
  estimatedDurationInSeconds: number;
  warnings: { code: string; message: string }[];
}

describe('dry run', () => {
  it('answers the targets and an estimate, storing nothing; validates as a create does', async () => {
    const dry = await json<DryRun>(
      await put('dry', methodJob({ queryCondition: "tags.fleet = 'slow'" }), '&dryRun=true'),
    );
    expect(dry).toMatchObject({ jobId: 'dry', deviceCount: 60 });
    // The first ten targets in the order the job would take them (the registry's page order).
    expect(new Set(dry.sampleDeviceIds).size).toBe(10);
    expect(dry.sampleDeviceIds.every((id) => /^slow-\d\d$/.test(id))).toBe(true);
    expect(dry.estimatedDurationInSeconds).toBeGreaterThan(0);
    expect(dry.warnings).toEqual([]);
    expect((await host.http('GET', '/jobs/v2/dry')).status).toBe(404);
    const listed = await json<Job[]>(await host.http('GET', '/jobs/v2/query'));
    expect(listed.map((job) => job.jobId)).not.toContain('dry');

    const ids = await json<DryRun>(
      await put('dry-ids', methodJob({ queryCondition: null, deviceIds: ['x', 'y', 'x'] }), '&dryRun=true'),
    );
    expect(ids).toMatchObject({ deviceCount: 2, sampleDeviceIds: ['x', 'y'], warnings: [] });

    // A number where the fleet's tag holds strings: nothing matches, and the answer says why (from the twin index).
    const typo = await json<DryRun>(
      await put(
        'dry-typo',
        methodJob({ queryCondition: 'tags.fleet = 7 OR tags.fleet = true' }),
        '&dryRun=true',
      ),
    );
    expect(typo).toMatchObject({ deviceCount: 0, sampleDeviceIds: [] });
    expect(typo.warnings).toEqual([
      { code: 'NoDeviceMatches', message: 'No device matches: the job would run on no device.' },
      { code: 'TagTypeMismatch', message: "tags.fleet holds strings, not numbers: try '7'." },
      { code: 'TagTypeMismatch', message: "tags.fleet holds strings, not booleans: try 'true'." },
    ]);

    expect((await put('dry', { type: 'scheduleDeviceMethod' }, '&dryRun=true')).status).toBe(400);
    expect((await put('dry', methodJob(), '&dryRun=maybe')).status).toBe(400);
    await json<Job>(await put('taken', methodJob()));
    expect((await put('taken', methodJob(), '&dryRun=true')).status).toBe(409);
    await waitFinished('taken');
  });

  it('estimates a run within 30% of the real one on devices of known latency', async () => {
    const body = methodJob({ queryCondition: "tags.fleet = 'slow'", rolloutConfig: { maxConcurrency: 4 } });
    // A first run lets the service observe the devices' latency and its own overhead.
    await json<Job>(await put('warm-up', body));
    await waitFinished('warm-up');

    const dry = await json<DryRun>(await put('measured', body, '&dryRun=true'));
    const created = await json<Job>(await put('measured', body));
    const finished = await waitFinished('measured');
    const actualSeconds =
      (Date.parse(finished.endTime ?? '') - Date.parse(created.createdTime as string)) / 1000;
    // 60 devices × 0.3 s / 4 at a time = 4.5 s of device calls, plus the observed overhead.
    expect(actualSeconds).toBeGreaterThan(4);
    const rows = await deviceJobs('measured');
    expect(peakOverlap(rows)).toBeLessThanOrEqual(4);
    expect(peakOverlap(rows)).toBeGreaterThanOrEqual(3);
    console.log(`dry-run estimate ${dry.estimatedDurationInSeconds} s, actual ${actualSeconds} s`);
    expect(Math.abs(dry.estimatedDurationInSeconds - actualSeconds) / actualSeconds).toBeLessThanOrEqual(0.3);
  }, 90_000);
});

describe('rerun', () => {
  it('reruns exactly the failed devices of an ended job as a child job', async () => {
    const parent = methodJob({ ...controls, maxExecutionTimeInSeconds: 600 });
    await json<Job>(await put('parent', parent));
    const running = await host.http('POST', '/jobs/v2/parent/rerun', {
      body: { jobId: 'too-early', deviceStatuses: ['failed'] },
    });
    const ended = await waitFinished('parent');
    if (running.status !== 409) {
      // The parent may have ended before the request arrived; then the rerun is legitimate.
      expect(running.status).toBe(200);
    } else {
      expect(running.headers.get('iothub-errorcode')).toBe('JobNotFinished');
    }
    expect(ended.deviceJobStatistics).toMatchObject({ deviceCount: 6, failedCount: 2, succeededCount: 4 });

    const child = await json<Job>(
      await host.http('POST', '/jobs/v2/parent/rerun', {
        body: { jobId: 'child', deviceStatuses: ['failed', 'canceled'] },
      }),
    );
    expect(child).toMatchObject({
      jobId: 'child',
      parentJobId: 'parent',
      type: 'scheduleDeviceMethod',
      cloudToDeviceMethod: parent.cloudToDeviceMethod,
      maxExecutionTimeInSeconds: 600,
      ...controls,
    });
    expect(child).not.toHaveProperty('queryCondition');
    await waitFinished('child');
    expect((await deviceJobs('child')).map((row) => row.deviceId).sort()).toEqual(['mixed-0', 'mixed-1']);
    expect(await json<Job>(await host.http('GET', '/jobs/v2/child'))).toMatchObject({
      parentJobId: 'parent',
    });
  }, 60_000);

  it('refuses bad reruns: unknown parent 404, no matching device 400, bad fields 400, duplicate id 409', async () => {
    const rerun = (parent: string, body: unknown) => host.http('POST', `/jobs/v2/${parent}/rerun`, { body });
    expect((await rerun('no-such-job', { jobId: 'n', deviceStatuses: ['failed'] })).status).toBe(404);
    const none = await rerun('parent', { jobId: 'nothing', deviceStatuses: ['canceled'] });
    expect(none.status).toBe(400);
    expect(await none.text()).toContain('deviceStatuses');
    const badStatus = await rerun('parent', { jobId: 'bad', deviceStatuses: ['broken'] });
    expect(await badStatus.text()).toContain('deviceStatuses[0]');
    expect((await rerun('parent', { deviceStatuses: ['failed'] })).status).toBe(400);
    expect((await rerun('parent', { jobId: 'child', deviceStatuses: ['failed'] })).status).toBe(409);
    for (const id of ['nothing', 'bad']) expect((await host.http('GET', `/jobs/v2/${id}`)).status).toBe(404);
  });
});

describe('rollout controls in the orchestration', () => {
  it('spreads starts evenly at maximumPerMinute', async () => {
    await json<Job>(
      await put(
        'rate',
        methodJob({ queryCondition: "tags.fleet = 'rate'", rolloutConfig: { maximumPerMinute: 240 } }),
      ),
    );
    const job = await waitFinished('rate');
    expect(job.deviceJobStatistics).toMatchObject({ deviceCount: 10, succeededCount: 10 });
    const gaps = await startGaps('rate');
    // 240 per minute = one start every 0.25 s, never a burst.
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(0.24);
    expect(gaps.reduce((sum, gap) => sum + gap, 0)).toBeGreaterThanOrEqual(9 * 0.25 - 0.01);
  }, 30_000);

  it('ramps the rate up exponentially as devices are notified', async () => {
    const rolloutConfig = {
      maximumPerMinute: 480,
      exponentialRate: {
        baseRatePerMinute: 60,
        incrementFactor: 2,
        rateIncreaseCriteria: { numberOfNotifiedDevices: 2 },
      },
    };
    await json<Job>(await put('ramp', methodJob({ queryCondition: "tags.fleet = 'rate'", rolloutConfig })));
    await waitFinished('ramp');
    const gaps = await startGaps('ramp');
    // 60/min, then 120, 240, then the 480 cap: gaps of 1 s, 0.5 s, 0.5 s, 0.25 s, 0.25 s, 0.125 s …
    expect(gaps[0]).toBeGreaterThanOrEqual(0.99);
    expect(gaps[1]).toBeGreaterThanOrEqual(0.49);
    expect(gaps[1]).toBeLessThan(0.9);
    expect(gaps[8]).toBeGreaterThanOrEqual(0.124);
    expect(gaps[8]).toBeLessThan(0.24);
  }, 30_000);

  it('retries failed devices with fresh simulated draws, recording attempts', async () => {
    const flaky = methodJob({ queryCondition: "tags.fleet = 'flaky'" });
    await json<Job>(await put('no-retry', flaky));
    await json<Job>(
      await put('retry', {
        ...flaky,
        retryConfig: { criteriaList: [{ failureType: 'failed', numberOfRetries: 3 }] },
      }),
    );
    const without = await waitFinished('no-retry');
    const withRetries = await waitFinished('retry', 60_000);
    expect(without.deviceJobStatistics.failedCount).toBeGreaterThan(0);
    expect(withRetries.deviceJobStatistics.failedCount).toBeLessThan(without.deviceJobStatistics.failedCount);
    const rows = await deviceJobs('retry');
    expect(rows.every((row) => (row.attempts ?? 0) >= 1 && (row.attempts ?? 0) <= 4)).toBe(true);
    expect(rows.some((row) => row.status === 'completed' && (row.attempts ?? 0) > 1)).toBe(true);
    for (const row of rows.filter((r) => r.status === 'failed')) expect(row.attempts).toBe(4);
    expect((await deviceJobs('no-retry')).every((row) => row.attempts === 1)).toBe(true);
  }, 60_000);

  it('aborts on its criteria: devices in flight finish, the rest are canceled, the job fails with the figures', async () => {
    await json<Job>(
      await put(
        'doomed',
        methodJob({
          queryCondition: "tags.fleet = 'doomed'",
          rolloutConfig: { maxConcurrency: 2 },
          abortConfig: {
            criteriaList: [
              {
                failureType: 'failed',
                action: 'cancel',
                thresholdPercentage: 50,
                minNumberOfExecutedDevices: 4,
              },
            ],
          },
        }),
      ),
    );
    const job = await waitFinished('doomed');
    expect(job.status).toBe('failed');
    expect(job.failureReason).toMatch(/^Aborted: (\d+) of \1 executed devices failed \(100% ≥ 50%/);
    const rows = await deviceJobs('doomed');
    const canceled = rows.filter((row) => row.status === 'canceled');
    const failed = rows.filter((row) => row.status === 'failed');
    expect(failed.length).toBeGreaterThanOrEqual(4);
    expect(canceled.length).toBeGreaterThan(10);
    expect(canceled.every((row) => row.startTimeUtc === null && (row.attempts ?? 0) === 0)).toBe(true);
    expect(failed.every((row) => row.error?.code === 'DeviceMethodFailed')).toBe(true);
    expect(job.deviceJobStatistics).toMatchObject({
      deviceCount: 30,
      failedCount: 30,
      runningCount: 0,
      pendingCount: 0,
    });
  }, 30_000);
});
