import type { JobClient } from 'azure-iothub';
import { waitFor } from '../../support/wait-for';
import { type FleetEntry, type JobsHost, seedFleet, sleep, startJobsHost } from './jobs-host';

interface Statistics {
  deviceCount: number;
  failedCount: number;
  succeededCount: number;
  runningCount: number;
  pendingCount: number;
}

interface Job {
  jobId: string;
  type: string;
  status: string;
  startTime: string;
  endTime?: string;
  failureReason?: string;
  deviceJobStatistics: Statistics;
}

interface DeviceJob {
  deviceId: string;
  jobId: string;
  status: string;
  startTimeUtc: string | null;
  outcome: { deviceMethodResponse: { status: number; payload: unknown } } | null;
  error: { code: string; description: string } | null;
}

const FLEET = 1000;
/** Every 50th device (from 7) is offline: 20 devices. */
const isOffline = (i: number) => i % 50 === 7;
/** Every 100th device (from 3) answers methods with 500: 10 devices. */
const isFailing = (i: number) => i % 100 === 3;
const SLOW = 20;

let host: JobsHost;
/** Every statistics snapshot read during the tests; each must add up. */
const snapshots: Statistics[] = [];

function fleet(): FleetEntry[] {
  const main = Array.from({ length: FLEET }, (_, i): FleetEntry => {
    const entry: FleetEntry = {
      id: `fleet-${String(i).padStart(4, '0')}`,
      tags: { fleet: 'main', floor: i % 8 },
    };
    if (isOffline(i)) entry.simulation = { offline: true };
    if (isFailing(i)) entry.simulation = { failureRate: 1 };
    return entry;
  });
  const slow = Array.from({ length: SLOW }, (_, i) => ({
    id: `slow-${String(i).padStart(2, '0')}`,
    tags: { fleet: 'slow' },
    simulation: { latencyMs: 1500 },
  }));
  // Slower than the shortest response timeout (5 s): its method call times out.
  const unresponsive = {
    id: 'unresponsive',
    tags: { fleet: 'unresponsive' },
    simulation: { latencyMs: 6000 },
  };
  return [...main, ...slow, unresponsive];
}

beforeAll(async () => {
  // A window smaller than the slow fleet, so a cancel lands while devices still wait to start.
  host = await startJobsHost({ JOB_MAX_DEVICES_IN_FLIGHT: '8' });
  await seedFleet(host, fleet());
  // Shared fixture: runs alongside the tests, checked by its own test (its device needs the 5 s response timeout).
  await host.jobClient.scheduleDeviceMethod('timeout-job', "tags.fleet = 'unresponsive'", {
    methodName: 'reboot',
    payload: null,
    responseTimeoutInSeconds: 5,
  });
}, 120_000);

afterAll(async () => {
  await host?.stop();
});

async function getJob(jobId: string): Promise<Job> {
  const job = (await host.jobClient.getJob(jobId)).jobStatus as Job;
  snapshots.push(job.deviceJobStatistics);
  return job;
}

const waitForJob = (jobId: string, done: (job: Job) => boolean, timeoutMs = 40_000): Promise<Job> =>
  waitFor(`job ${jobId}`, () => getJob(jobId), done, { timeoutMs });

const finished = (job: Job) => ['completed', 'failed', 'cancelled'].includes(job.status);

/** All of a job's device results, paged through the SDK's query with continuation tokens. */
async function deviceJobs(where: string, pageSize = 100): Promise<{ rows: DeviceJob[]; pages: number }> {
  const query = host.registry.createQuery(`SELECT * FROM devices.jobs WHERE ${where}`, pageSize);
  const rows: DeviceJob[] = [];
  let pages = 0;
  while (query.hasMoreResults) {
    const { result } = await query.next(query.continuationToken);
    rows.push(...(result as DeviceJob[]));
    pages += 1;
  }
  return { rows, pages };
}

const sum = (s: Statistics) => s.failedCount + s.succeededCount + s.runningCount + s.pendingCount;

describe('jobs through the official azure-iothub JobClient', () => {
  it('runs a method job on 1,000 devices selected by a tag query, with live statistics and per-device results', async () => {
    const started = Date.now();
    const created = (
      await host.jobClient.scheduleDeviceMethod('reboot-main', "tags.fleet = 'main'", {
        methodName: 'reboot',
        payload: { delay: 1 },
        responseTimeoutInSeconds: 10,
      })
    ).jobStatus as Job;
    expect(created.jobId).toBe('reboot-main');
    expect(['queued', 'running']).toContain(created.status);

    const seen = new Set<string>();
    const job = await waitForJob('reboot-main', (j) => {
      seen.add(j.status);
      return finished(j);
    });
    const elapsed = Date.now() - started;
    process.stdout.write(`1,000-device method job: ${elapsed} ms from create to completed seen\n`);

    expect(seen.has('running')).toBe(true);
    expect(job.status).toBe('completed');
    expect(job.endTime).toBeDefined();
    expect(job.deviceJobStatistics).toEqual({
      deviceCount: FLEET,
      // IoT Hub's counting: a device that answered (even 500) succeeded; only the 20 offline ones failed.
      succeededCount: FLEET - 20,
      failedCount: 20,
      runningCount: 0,
      pendingCount: 0,
    });

    const { rows, pages } = await deviceJobs("devices.jobs.jobId = 'reboot-main'");
    expect(pages).toBe(10);
    expect(new Set(rows.map((r) => r.deviceId)).size).toBe(FLEET);
    const byId = new Map(rows.map((r) => [r.deviceId, r]));
    expect(byId.get('fleet-0007')).toMatchObject({ status: 'failed', error: { code: 'DeviceNotOnline' } });
    expect(byId.get('fleet-0003')).toMatchObject({
      status: 'completed',
      error: null,
      outcome: { deviceMethodResponse: { status: 500 } },
    });
    expect(byId.get('fleet-0000')).toMatchObject({
      status: 'completed',
      error: null,
      outcome: {
        deviceMethodResponse: { status: 200, payload: { methodName: 'reboot', echo: { delay: 1 } } },
      },
    });

    const failed = await deviceJobs(
      "devices.jobs.jobId = 'reboot-main' AND devices.jobs.status = 'failed'",
      1000,
    );
    expect(failed.rows).toHaveLength(20);
    expect(failed.pages).toBe(1);
  }, 60_000);

  it('runs a twin job on the same 1,000 devices, offline ones included', async () => {
    await host.jobClient.scheduleTwinUpdate('tag-main', "tags.fleet = 'main'", {
      etag: '*',
      tags: { campaign: 'spring' },
      properties: { desired: { telemetryInterval: 30 } },
    });
    const job = await waitForJob('tag-main', finished);
    expect(job.status).toBe('completed');
    expect(job.deviceJobStatistics).toMatchObject({
      deviceCount: FLEET,
      succeededCount: FLEET,
      failedCount: 0,
    });

    const { result } = await host.registry
      .createQuery(
        "SELECT COUNT() AS n FROM devices WHERE tags.campaign = 'spring' AND properties.desired.telemetryInterval = 30",
      )
      .next();
    expect(result).toEqual([{ n: FLEET }]);
  }, 60_000);

  it('starts a job scheduled 5 s ahead on time', async () => {
    const startTime = new Date(Date.now() + 5000);
    const created = (
      await host.jobClient.scheduleDeviceMethod(
        'scheduled-floor-1',
        "tags.fleet = 'main' AND tags.floor = 1",
        { methodName: 'ping', payload: null, responseTimeoutInSeconds: 10 },
        startTime,
        60,
      )
    ).jobStatus as Job;
    expect(created.status).toBe('queued');
    expect(Date.parse(created.startTime)).toBe(startTime.getTime());
    expect((await getJob('scheduled-floor-1')).status).toBe('scheduled');

    const job = await waitForJob('scheduled-floor-1', finished, 30_000);
    expect(job.status).toBe('completed');
    expect(job.deviceJobStatistics.deviceCount).toBe(FLEET / 8);
    const { rows } = await deviceJobs("devices.jobs.jobId = 'scheduled-floor-1'");
    const firstStart = Math.min(...rows.map((r) => Date.parse(r.startTimeUtc ?? '')));
    expect(firstStart).toBeGreaterThanOrEqual(startTime.getTime());
    expect(firstStart).toBeLessThan(startTime.getTime() + 3000);
  }, 40_000);

  it('cancels a job while it waits for its start time', async () => {
    await host.jobClient.scheduleDeviceMethod(
      'cancel-waiting',
      "tags.fleet = 'main'",
      { methodName: 'reboot', payload: null, responseTimeoutInSeconds: 10 },
      new Date(Date.now() + 60_000),
      60,
    );
    const cancelled = (await host.jobClient.cancelJob('cancel-waiting')).jobStatus as Job;
    expect(cancelled.status).toBe('cancelled');
    await sleep(1000);
    const job = await getJob('cancel-waiting');
    expect(job.status).toBe('cancelled');
    expect(job.deviceJobStatistics.deviceCount).toBe(0);
    expect((await deviceJobs("devices.jobs.jobId = 'cancel-waiting'")).rows).toEqual([]);
  });

  it('cancels a running job: devices in flight finish, pending ones are canceled', async () => {
    await host.jobClient.scheduleDeviceMethod('cancel-running', "tags.fleet = 'slow'", {
      methodName: 'reboot',
      payload: null,
      responseTimeoutInSeconds: 10,
    });
    await waitForJob(
      'cancel-running',
      (j) => j.status === 'running' && j.deviceJobStatistics.runningCount > 0,
    );
    expect(((await host.jobClient.cancelJob('cancel-running')).jobStatus as Job).status).toBe('cancelled');
    const job = await waitForJob(
      'cancel-running',
      (j) => j.deviceJobStatistics.runningCount === 0 && j.deviceJobStatistics.pendingCount === 0,
    );
    expect(job.status).toBe('cancelled');
    const { rows } = await deviceJobs("devices.jobs.jobId = 'cancel-running'");
    const counts = (status: string) => rows.filter((r) => r.status === status).length;
    expect(rows).toHaveLength(SLOW);
    expect(counts('completed')).toBeGreaterThan(0);
    expect(counts('canceled')).toBeGreaterThan(0);
    expect(counts('completed') + counts('canceled')).toBe(SLOW);
    expect(job.deviceJobStatistics.succeededCount).toBe(counts('completed'));
    expect(job.deviceJobStatistics.failedCount).toBe(counts('canceled'));
  }, 30_000);

  it('fails a job past its maxExecutionTimeInSeconds: devices not started by then fail with a timeout code', async () => {
    await host.jobClient.scheduleDeviceMethod(
      'deadline-slow',
      "tags.fleet = 'slow'",
      { methodName: 'reboot', payload: null, responseTimeoutInSeconds: 10 },
      new Date(),
      1,
    );
    const job = await waitForJob('deadline-slow', finished, 30_000);
    expect(job.status).toBe('failed');
    expect(job.failureReason).toMatch(/maxExecutionTimeInSeconds|deadline|execution time/i);
    const { rows } = await deviceJobs(
      "devices.jobs.jobId = 'deadline-slow' AND devices.jobs.status = 'failed'",
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.error?.code).toBe('JobMaxExecutionTimeExceeded');
    expect(job.deviceJobStatistics.failedCount).toBe(rows.length);
    expect(job.deviceJobStatistics.succeededCount).toBe(SLOW - rows.length);
  }, 40_000);

  it('lists jobs by type and status, page by page, through JobClient.createQuery', async () => {
    const method = { methodName: 'ping', payload: null, responseTimeoutInSeconds: 10 };
    await host.jobClient.scheduleDeviceMethod(
      'list-floor-2',
      "tags.fleet = 'main' AND tags.floor = 2",
      method,
    );
    await host.jobClient.scheduleDeviceMethod(
      'list-floor-3',
      "tags.fleet = 'main' AND tags.floor = 3",
      method,
    );
    await host.jobClient.scheduleTwinUpdate('list-twin', "tags.fleet = 'main' AND tags.floor = 2", {
      etag: '*',
      tags: { listed: true },
    });
    await host.jobClient.scheduleDeviceMethod(
      'list-cancelled',
      "tags.fleet = 'main'",
      method,
      new Date(Date.now() + 60_000),
      60,
    );
    await host.jobClient.cancelJob('list-cancelled');
    for (const jobId of ['list-floor-2', 'list-floor-3', 'list-twin']) {
      expect((await waitForJob(jobId, finished)).status).toBe('completed');
    }

    const query = host.jobClient.createQuery(
      'scheduleDeviceMethod',
      // The SDK's JobStatus type says 'finished'; the service (like IoT Hub) answers and filters 'completed'.
      'completed' as Parameters<JobClient['createQuery']>[1],
      1,
    );
    const ids: string[] = [];
    while (query.hasMoreResults) {
      const { result } = await query.next(query.continuationToken);
      expect((result as unknown[]).length).toBeLessThanOrEqual(1);
      ids.push(...(result as Job[]).map((j) => j.jobId));
    }
    // Other tests' jobs may be listed too, so the filter is checked on every listed job and on this test's own.
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(['list-floor-2', 'list-floor-3']));
    expect(ids).not.toContain('list-twin');
    expect(ids).not.toContain('list-cancelled');
    for (const jobId of ids) {
      expect(await getJob(jobId)).toMatchObject({ jobId, type: 'scheduleDeviceMethod', status: 'completed' });
    }
  }, 40_000);

  it('fails a device that answers slower than responseTimeoutInSeconds with GatewayTimeout', async () => {
    const job = await waitForJob('timeout-job', finished, 15_000);
    expect(job.status).toBe('completed');
    expect(job.deviceJobStatistics).toMatchObject({ deviceCount: 1, failedCount: 1 });
    const { rows } = await deviceJobs("devices.jobs.jobId = 'timeout-job'");
    expect(rows).toMatchObject([
      { deviceId: 'unresponsive', status: 'failed', error: { code: 'GatewayTimeout' } },
    ]);
  }, 20_000);

  it('reported statistics that added up at every read', async () => {
    // Its own job on the slow fleet guarantees reads while devices run, whichever tests ran before.
    await host.jobClient.scheduleDeviceMethod('statistics-slow', "tags.fleet = 'slow'", {
      methodName: 'reboot',
      payload: null,
      responseTimeoutInSeconds: 10,
    });
    await waitForJob('statistics-slow', finished, 30_000);
    expect(snapshots.length).toBeGreaterThan(20);
    for (const s of snapshots) expect(s.deviceCount).toBe(sum(s));
    expect(snapshots.some((s) => s.runningCount > 0 || (s.pendingCount > 0 && s.deviceCount > 0))).toBe(true);
  }, 40_000);
});
