import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { odata, TableClient } from '@azure/data-tables';
import { startAzurite, type RunningAzurite } from '../../../../packages/func-local/storage/azurite';
import { seedFleet, sleep, startJobsHost, type JobsHost } from '../../jobs/jobs-host';
import { isDefined, waitFor } from '../../../support/wait-for';

/**
 * The job service on func-local under faults, with the repository's host.json (func-local's default 30 s
 * visibility timeouts): a host killed mid-job and restarted, and storage stopped for 10 s mid-job.
 */
jest.setTimeout(300_000);

const RECOVERY_LIMIT_MS = 60_000;

interface Job {
  status: string;
  failureReason?: string;
  deviceJobStatistics: {
    deviceCount: number;
    succeededCount: number;
    failedCount: number;
    runningCount: number;
    pendingCount: number;
  };
}

const running: { hosts: JobsHost[]; azurite: RunningAzurite[] } = { hosts: [], azurite: [] };

afterEach(async () => {
  for (const host of running.hosts.splice(0)) await host.stop().catch(() => undefined);
  for (const azurite of running.azurite.splice(0)) await azurite.stop();
});

async function host(connectionString: string, hub: string, env: Record<string, string> = {}) {
  const started = await startJobsHost({
    AzureWebJobsStorage: connectionString,
    AzureFunctionsJobHost__extensions__durableTask__hubName: hub,
    ...env,
  });
  running.hosts.push(started);
  return started;
}

async function createJob(host: JobsHost, jobId: string, fleet: string): Promise<void> {
  const response = await host.http('PUT', `/jobs/v2/${jobId}?api-version=2021-04-12`, {
    body: {
      type: 'scheduleDeviceMethod',
      cloudToDeviceMethod: { methodName: 'reboot', payload: {}, responseTimeoutInSeconds: 10 },
      queryCondition: `tags.fleet = '${fleet}'`,
    },
  });
  expect(response.status).toBe(200);
}

async function readJob(host: JobsHost, jobId: string): Promise<Job | undefined> {
  try {
    const response = await host.http('GET', `/jobs/v2/${jobId}`);
    return response.status === 200 ? ((await response.json()) as Job) : undefined;
  } catch {
    return undefined;
  }
}

const finished = (job: Job | undefined) => ['completed', 'failed', 'cancelled'].includes(job?.status ?? '');
const settled = (job: Job | undefined) =>
  (job?.deviceJobStatistics.succeededCount ?? 0) + (job?.deviceJobStatistics.failedCount ?? 0);

/** Every device job row of a job, through the API's paging. */
async function deviceRows(host: JobsHost, jobId: string): Promise<{ deviceId: string; status: string }[]> {
  const rows: { deviceId: string; status: string }[] = [];
  let continuation: string | null = null;
  do {
    const headers: Record<string, string> = { 'x-ms-max-item-count': '1000' };
    if (continuation) headers['x-ms-continuation'] = continuation;
    const response = await host.http('POST', '/devices/query?api-version=2021-04-12', {
      body: { query: `SELECT * FROM devices.jobs WHERE devices.jobs.jobId = '${jobId}'` },
      headers,
    });
    expect(response.status).toBe(200);
    rows.push(...((await response.json()) as { deviceId: string; status: string }[]));
    continuation = response.headers.get('x-ms-continuation');
  } while (continuation);
  return rows;
}

function expectOneFinalRowPerDevice(rows: { deviceId: string; status: string }[], devices: number): void {
  expect(rows).toHaveLength(devices);
  expect(new Set(rows.map((row) => row.deviceId)).size).toBe(devices);
  expect(rows.filter((row) => !['completed', 'failed', 'canceled'].includes(row.status))).toEqual([]);
}

const waitUntil = <T>(what: string, limitMs: number, probe: () => Promise<T | undefined>): Promise<T> =>
  waitFor(what, probe, isDefined, { timeoutMs: limitMs, intervalMs: 250 });

describe('jobs on func-local under faults', () => {
  it('finishes a 5,000-device job after SIGKILL mid-job and a restart, each device once in the results', async () => {
    const devices = 5_000;
    const azurite = await startAzurite({ inMemory: true });
    running.azurite.push(azurite);
    const first = await host(azurite.connectionString, 'KillHub');
    await seedFleet(
      first,
      Array.from({ length: devices }, (_, i) => ({ id: `kill-${i}`, tags: { fleet: 'kill' } })),
    );
    await createJob(first, 'kill-job', 'kill');
    await waitUntil('a fifth of the devices', 120_000, async () => {
      const job = await readJob(first, 'kill-job');
      return settled(job) >= devices / 5 ? job : undefined;
    });
    await first.running.host.kill();
    const killedAt = Date.now();
    // Devices with a call outstanding when the host died: each is called again (at-least-once).
    const deviceJobs = TableClient.fromConnectionString(azurite.connectionString, 'devicejobs', {
      allowInsecureConnection: true,
    });
    let inFlightAtKill = 0;
    let settledAtKill = 0;
    for await (const row of deviceJobs.listEntities<{ status: string }>({
      queryOptions: { filter: odata`jobId eq ${'kill-job'}`, select: ['status'] },
    })) {
      if (row.status === 'running') inFlightAtKill += 1;
      else if (row.status !== 'pending') settledAtKill += 1;
    }

    const second = await host(azurite.connectionString, 'KillHub');
    const restartedAt = Date.now();
    const resumedAt = await waitUntil('progress after the restart', RECOVERY_LIMIT_MS, async () => {
      const job = await readJob(second, 'kill-job');
      return settled(job) > settledAtKill || finished(job) ? Date.now() : undefined;
    });
    const job = await waitUntil('the job to end', 180_000, async () => {
      const current = await readJob(second, 'kill-job');
      return finished(current) ? current : undefined;
    });
    process.stdout.write(
      `SIGKILL recovery: ${settledAtKill} devices settled and ${inFlightAtKill} in flight at the kill; ` +
        `progress resumed ${((resumedAt - restartedAt) / 1000).toFixed(1)} s after the restart ` +
        `(${((resumedAt - killedAt) / 1000).toFixed(1)} s after the kill)\n`,
    );
    expect(job).toMatchObject({
      status: 'completed',
      deviceJobStatistics: {
        deviceCount: devices,
        succeededCount: devices,
        failedCount: 0,
        runningCount: 0,
        pendingCount: 0,
      },
    });
    expectOneFinalRowPerDevice(await deviceRows(second, 'kill-job'), devices);
    expect(resumedAt - restartedAt).toBeLessThan(RECOVERY_LIMIT_MS);
  });

  it('survives storage stopped for 10 s mid-job: the host stays up, says so, and the job ends with true counts', async () => {
    const devices = 500;
    const location = fs.mkdtempSync(path.join(os.tmpdir(), 'azurite-outage-'));
    try {
      const azurite = await startAzurite({ inMemory: false, location });
      running.azurite.push(azurite);
      const app = await host(azurite.connectionString, 'OutageHub', {
        SIMULATION_DEFAULT_PROFILE: '{"latencyMs":[40,60],"failureRate":0}',
      });
      await seedFleet(
        app,
        Array.from({ length: devices }, (_, i) => ({ id: `outage-${i}`, tags: { fleet: 'outage' } })),
      );
      await createJob(app, 'outage-job', 'outage');
      await waitUntil('a tenth of the devices', 120_000, async () => {
        const job = await readJob(app, 'outage-job');
        return settled(job) >= devices / 10 ? job : undefined;
      });
      await azurite.stop();
      running.azurite.splice(running.azurite.indexOf(azurite), 1);
      await sleep(10_000);
      const restarted = await startAzurite({ inMemory: false, location, ports: azurite.ports });
      running.azurite.push(restarted);
      const restartedAt = Date.now();

      const job = await waitUntil('the job to end after the outage', 120_000, async () => {
        const current = await readJob(app, 'outage-job');
        return finished(current) ? current : undefined;
      });
      process.stdout.write(
        `Storage outage: job ${job.status} ${((Date.now() - restartedAt) / 1000).toFixed(1)} s after storage ` +
          `returned; ${JSON.stringify(job.deviceJobStatistics)}\n`,
      );
      expect(app.running.host.child.exitCode).toBeNull();
      expect(app.running.host.output.join('\n')).toMatch(/Storage is unreachable/);
      expect(app.running.host.output.join('\n')).toMatch(/Storage reachable again after \d+ s/);
      const stats = job.deviceJobStatistics;
      expect(stats.deviceCount).toBe(devices);
      expect(stats.succeededCount + stats.failedCount).toBe(devices);
      if (job.status === 'failed') expect(job.failureReason).toMatch(/\w/);
      else
        expect(job).toMatchObject({ status: 'completed', deviceJobStatistics: { succeededCount: devices } });
      expectOneFinalRowPerDevice(await deviceRows(app, 'outage-job'), devices);
    } finally {
      fs.rmSync(location, { recursive: true, force: true });
    }
  });
});
