import { waitFor } from '../../support/wait-for';
import { startStandInHub, type StandInHub } from '../../support/stand-in-hub';
import { seedFleet, startJobsHost, type JobsHost } from './jobs-host';

/**
 * One device-operation budget across jobs (issue 18 item 6) on the local host: two equal jobs split it, the one
 * left takes all of it; with DEVICE_GATEWAY=iothub the budget defaults to the hub's throttle for its tier, so a
 * job runs against a throttling hub without a 429.
 */

interface Job {
  jobId: string;
  status: string;
  priority?: number;
  endTime?: string;
}

interface DeviceRow {
  deviceId: string;
  status: string;
  startTimeUtc: string | null;
}

async function json<T>(response: Response, status = 200): Promise<T> {
  const text = await response.text();
  if (response.status !== status) throw new Error(`expected ${status}, got ${response.status}: ${text}`);
  return JSON.parse(text) as T;
}

const method = { methodName: 'update', payload: null, responseTimeoutInSeconds: 10 };

async function finished(host: JobsHost, jobId: string): Promise<Job> {
  return waitFor(
    `job ${jobId} to finish`,
    async () => json<Job>(await host.http('GET', `/jobs/v2/${jobId}`)),
    (job) => job.endTime !== undefined,
    { timeoutMs: 60_000, intervalMs: 100 },
  );
}

async function startTimes(host: JobsHost, jobId: string): Promise<number[]> {
  const rows: DeviceRow[] = [];
  let continuation: string | undefined;
  do {
    const response = await host.http('POST', '/devices/query', {
      body: { query: `SELECT * FROM devices.jobs WHERE devices.jobs.jobId = '${jobId}'` },
      headers: {
        'x-ms-max-item-count': '1000',
        ...(continuation ? { 'x-ms-continuation': continuation } : {}),
      },
    });
    continuation = response.headers.get('x-ms-continuation') ?? undefined;
    rows.push(...(await json<DeviceRow[]>(response)));
  } while (continuation);
  expect(rows.every((row) => row.status === 'completed')).toBe(true);
  return rows.map((row) => Date.parse(row.startTimeUtc ?? '')).sort((a, b) => a - b);
}

/** Devices started per second within [from, to). */
function rate(starts: readonly number[], from: number, to: number): number {
  return starts.filter((at) => at >= from && at < to).length / ((to - from) / 1000);
}

describe('a budget two jobs share (JOBS_DEVICE_OPERATIONS_PER_SECOND=60)', () => {
  let host: JobsHost;

  beforeAll(async () => {
    host = await startJobsHost({ JOBS_DEVICE_OPERATIONS_PER_SECOND: '60', JOB_SHARD_SIZE: '20' });
    const fleet = (name: string, count: number) =>
      Array.from({ length: count }, (_, i) => ({
        id: `${name}-${String(i).padStart(3, '0')}`,
        tags: { fleet: name },
      }));
    await seedFleet(host, [...fleet('short', 90), ...fleet('long', 500)]);
  }, 60_000);

  afterAll(async () => {
    await host?.stop();
  });

  it('validates and echoes priority, storing nothing for a bad one', async () => {
    for (const [priority, message] of [
      [0, 'priority: must be an integer from 1 to 10'],
      [11, 'priority: must be an integer from 1 to 10'],
      [2.5, 'priority: must be an integer from 1 to 10'],
      ['high', 'priority: must be an integer from 1 to 10'],
    ] as const) {
      const refused = await host.http('PUT', '/jobs/v2/bad-priority', {
        body: {
          type: 'scheduleDeviceMethod',
          cloudToDeviceMethod: method,
          queryCondition: "tags.fleet = 'none'",
          priority,
        },
      });
      expect(refused.status).toBe(400);
      expect(refused.headers.get('iothub-errorcode')).toBe('ArgumentInvalid');
      expect(await refused.text()).toContain(message);
    }
    expect((await host.http('GET', '/jobs/v2/bad-priority')).status).toBe(404);
  });

  it('splits the budget between two equal jobs, then gives the one left all of it', async () => {
    const body = (fleet: string, priority?: number) => ({
      type: 'scheduleDeviceMethod',
      cloudToDeviceMethod: method,
      queryCondition: `tags.fleet = '${fleet}'`,
      ...(priority === undefined ? {} : { priority }),
    });
    // The long job runs alone first; the short one joins it while it still has most of its devices to go.
    const long = await json<Job>(await host.http('PUT', '/jobs/v2/budget-long', { body: body('long') }));
    await waitFor(
      'the long job to run',
      async () =>
        json<{ deviceJobStatistics: { succeededCount: number } }>(
          await host.http('GET', '/jobs/v2/budget-long'),
        ),
      (job) => job.deviceJobStatistics.succeededCount >= 20,
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    const short = await json<Job>(
      await host.http('PUT', '/jobs/v2/budget-short', { body: body('short', 5) }),
    );
    expect(short.priority).toBe(5);
    expect(long.priority).toBeUndefined();
    await Promise.all([finished(host, 'budget-short'), finished(host, 'budget-long')]);
    const [shortStarts, longStarts] = await Promise.all([
      startTimes(host, 'budget-short'),
      startTimes(host, 'budget-long'),
    ]);
    const span = (starts: number[]) => `${starts.length} from ${starts[0]} to ${starts[starts.length - 1]}`;
    console.log(`short ${span(shortStarts)}, long ${span(longStarts)}`);
    const both = Math.max(shortStarts[0] ?? 0, longStarts[0] ?? 0);
    const shortEnd = shortStarts[shortStarts.length - 1] ?? 0;
    const longEnd = longStarts[longStarts.length - 1] ?? 0;
    // While both run (the first second aside), each gets about half of 60 a second.
    const [shortRate, longRate] = [
      rate(shortStarts, both + 500, shortEnd),
      rate(longStarts, both + 500, shortEnd),
    ];
    console.log(`both running: short ${shortRate.toFixed(1)}/s, long ${longRate.toFixed(1)}/s`);
    // About half each (a loaded machine skews a few-second window; BENCHMARKS.md has the split over longer runs).
    expect(shortRate / longRate).toBeGreaterThan(0.6);
    expect(shortRate / longRate).toBeLessThan(1.67);
    expect(shortRate + longRate).toBeLessThanOrEqual(60 * 1.1);
    expect(shortRate + longRate).toBeGreaterThan(60 * 0.7);
    // Once the short job ended, the long one speeds up to the whole budget (within the 5 s the issue allows).
    expect(longEnd - shortEnd).toBeGreaterThan(1500);
    const alone = rate(longStarts, shortEnd + 1000, longEnd);
    console.log(`alone: long ${alone.toFixed(1)}/s`);
    expect(alone).toBeGreaterThan(longRate * 1.3);
    expect(alone).toBeLessThanOrEqual(60 * 1.1);
  }, 60_000);
});

describe('DEVICE_GATEWAY=iothub with IOTHUB_SKU=S1: the hub’s 10/s jobs throttle as the default budget', () => {
  let hub: StandInHub;
  let service: JobsHost;
  const deviceIds = Array.from({ length: 30 }, (_, i) => `hub-${String(i).padStart(2, '0')}`);

  beforeAll(async () => {
    hub = await startStandInHub({ deviceIds, operationsPerSecond: 10 });
    service = await startJobsHost({
      DEVICE_GATEWAY: 'iothub',
      IOTHUB_CONNECTION_STRING: hub.connectionString,
      IOTHUB_PLAIN_HTTP_PORT: String(hub.port),
      IOTHUB_SKU: 'S1',
    });
  }, 60_000);

  afterAll(async () => {
    await service?.stop();
    await hub?.stop();
  });

  it('throttles a burst above its rate (the stand-in can refuse)', async () => {
    const calls = await Promise.all(
      Array.from({ length: 20 }, () =>
        fetch(`http://127.0.0.1:${hub.port}/twins/hub-00/methods?api-version=2021-04-12`, {
          method: 'POST',
          body: JSON.stringify({ methodName: 'probe', payload: null }),
        }),
      ),
    );
    const throttled = calls.filter((call) => call.status === 429);
    expect(throttled.length).toBeGreaterThan(0);
    expect(throttled[0]?.headers.get('iothub-errorcode')).toBe('ThrottlingException');
    hub.throttled = 0;
    // Let the bucket fill again before the job.
    await new Promise((resolve) => setTimeout(resolve, 1000));
  });

  it('runs a job at the hub’s limit and never into a 429', async () => {
    hub.accepted.length = 0;
    await json<Job>(
      await service.http('PUT', '/jobs/v2/at-the-limit', {
        body: { type: 'scheduleDeviceMethod', cloudToDeviceMethod: method, queryCondition: '*' },
      }),
    );
    const job = await finished(service, 'at-the-limit');
    expect(job.status).toBe('completed');
    expect(hub.throttled).toBe(0);
    expect(hub.accepted).toHaveLength(30);
    const seconds = ((hub.accepted[29] ?? 0) - (hub.accepted[0] ?? 0)) / 1000;
    // 30 calls at 10 a second: the last about 2.9 s after the first (not at once, not much slower).
    expect(seconds).toBeGreaterThan(2.5);
    expect(seconds).toBeLessThan(4.5);
  }, 60_000);
});
