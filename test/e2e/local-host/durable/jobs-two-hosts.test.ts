import { startAzurite, type RunningAzurite } from '../../../../packages/func-local/storage/azurite';
import { seedFleet, sleep, startJobsHost, type JobsHost } from '../../jobs/jobs-host';
import { managementUrl, WEBHOOKS } from './durable-test-kit';

/**
 * Two hosts on one storage account and task hub run jobs created alternately through both. Every job must end
 * within a few seconds of its last device result: a result parked on the wrong host must never wait out a
 * visibility timeout or be renewed forever by the host that cannot use it.
 */
jest.setTimeout(360_000);

const JOBS = Number(process.env.TWO_HOSTS_JOBS ?? 10);
const DEVICES = Number(process.env.TWO_HOSTS_DEVICES ?? 200);
/**
 * No stragglers (issue 22, item 5): every job ends within 5 s of its last device (the issue measured 19 of 20
 * within 1.2 s and one after 11.8 s; the stall this test was first written for lasted 5–15 minutes). On a 2-core
 * machine shared by a dozen busy processes every step is many times slower (at load 25 a 200-device job took over
 * a minute), so the bound is the larger of 5 s and three times the median job's lag: a straggler stands out
 * against the others either way.
 */
const MAX_LAG_MS = 5_000;
const STRAGGLER_FACTOR = 3;

let azurite: RunningAzurite;
const hosts: JobsHost[] = [];

interface Job {
  status: string;
  deviceJobStatistics: { deviceCount: number; succeededCount: number; failedCount: number };
}

interface Progress {
  devicesDoneAt?: number;
  jobDoneAt?: number;
  orchestrationDoneAt?: number;
  job?: Job;
}

beforeAll(async () => {
  azurite = await startAzurite({ inMemory: true });
  const env = {
    AzureWebJobsStorage: azurite.connectionString,
    AzureFunctionsJobHost__extensions__durableTask__hubName: 'TwoHostJobs',
    JOB_SHARD_SIZE: String(Math.max(1, Math.ceil(DEVICES / 10))),
  };
  hosts.push(...(await Promise.all([startJobsHost(env), startJobsHost(env)])));
}, 120_000);

afterAll(async () => {
  await Promise.all(hosts.map((host) => host.stop()));
  await azurite?.stop();
});

/** The orchestration's history as `+seconds EventType name` from its start: where a slow job's time went. */
async function historyTimeline(host: JobsHost, jobId: string): Promise<string> {
  const url = managementUrl(host.running.host, `${WEBHOOKS}/instances/${jobId}`);
  const response = await fetch(`${url}&showHistory=true`);
  const { historyEvents = [] } = (await response.json()) as {
    historyEvents?: { EventType: string; Name?: string; Timestamp: string }[];
  };
  const start = Date.parse(historyEvents[0]?.Timestamp ?? '');
  return historyEvents
    .map((event) => {
      const at = ((Date.parse(event.Timestamp) - start) / 1000).toFixed(2);
      return `+${at}s ${event.EventType}${event.Name ? ` ${event.Name}` : ''}`;
    })
    .join(', ');
}

async function orchestrationStatus(host: JobsHost, jobId: string): Promise<string | undefined> {
  const response = await fetch(managementUrl(host.running.host, `${WEBHOOKS}/instances/${jobId}`));
  if (response.status === 404) return undefined;
  return ((await response.json()) as { runtimeStatus: string }).runtimeStatus;
}

function summarize(progress: Map<string, Progress>, started: number): string {
  const at = (t: number | undefined) => (t === undefined ? '-' : `${((t - started) / 1000).toFixed(1)}s`);
  return [...progress]
    .map(
      ([id, p]) =>
        `${id}: devices ${at(p.devicesDoneAt)} job ${at(p.jobDoneAt)} orchestration ${at(p.orchestrationDoneAt)}`,
    )
    .join('; ');
}

describe('two hosts on one task hub', () => {
  it('ends every job within seconds of its last device, with each device counted once', async () => {
    const [a, b] = hosts as [JobsHost, JobsHost];
    for (const host of hosts)
      expect(host.running.host.output.join('\n')).toMatch(/Durable task hub "TwoHostJobs" ready/);
    await seedFleet(
      a,
      Array.from({ length: DEVICES }, (_, i) => ({ id: `two-${i}`, tags: { fleet: 'two' } })),
    );
    const ids = Array.from({ length: JOBS }, (_, i) => `two-hosts-${i}`);
    const progress = new Map<string, Progress>(ids.map((id) => [id, {}]));
    const started = Date.now();
    await Promise.all(
      ids.map(async (jobId, i) => {
        const response = await (i % 2 ? b : a).http('PUT', `/jobs/v2/${jobId}?api-version=2021-04-12`, {
          body: {
            type: 'scheduleDeviceMethod',
            // Generous: on a 2-core machine running the whole suite a 50 ms simulated call has taken over 10 s to
            // answer; this test is about counting each device once, not about latency.
            cloudToDeviceMethod: { methodName: 'reboot', payload: { i }, responseTimeoutInSeconds: 120 },
            queryCondition: "tags.fleet = 'two'",
          },
        });
        expect(response.status).toBe(200);
      }),
    );

    while ([...progress.values()].some((p) => p.orchestrationDoneAt === undefined)) {
      if (Date.now() - started > 240_000) {
        const open = ids.find((jobId) => progress.get(jobId)?.orchestrationDoneAt === undefined) ?? '';
        const timeline = await historyTimeline(a, open).catch(String);
        throw new Error(`jobs stalled: ${summarize(progress, started)}; ${open}: ${timeline}`);
      }
      await Promise.all(
        ids.map(async (jobId, i) => {
          const entry = progress.get(jobId) as Progress;
          if (entry.orchestrationDoneAt !== undefined) return;
          const host = i % 2 ? a : b;
          const now = Date.now();
          if (entry.jobDoneAt === undefined) {
            const job = (await (await host.http('GET', `/jobs/v2/${jobId}`)).json()) as Job;
            const stats = job.deviceJobStatistics;
            if (entry.devicesDoneAt === undefined && stats.succeededCount + stats.failedCount === DEVICES)
              entry.devicesDoneAt = now;
            if (['completed', 'failed', 'cancelled'].includes(job.status)) {
              entry.jobDoneAt = now;
              entry.job = job;
            }
          }
          if (entry.jobDoneAt !== undefined && (await orchestrationStatus(host, jobId)) === 'Completed')
            entry.orchestrationDoneAt = now;
        }),
      );
      await sleep(200);
    }

    const lags = ids.map((jobId) => {
      const p = progress.get(jobId) as Required<Progress>;
      return {
        jobId,
        devicesDone: p.devicesDoneAt - started,
        jobEnded: p.jobDoneAt - (p.devicesDoneAt ?? p.jobDoneAt),
        orchestrationEnded: p.orchestrationDoneAt - p.jobDoneAt,
      };
    });
    process.stdout.write(`two-host job lags (ms): ${JSON.stringify(lags)}\n`);
    const slowest = lags.reduce((worst, lag) => (lag.jobEnded > worst.jobEnded ? lag : worst));
    process.stdout.write(
      `slowest job ${slowest.jobId}: ${await historyTimeline(a, slowest.jobId).catch(String)}\n`,
    );
    // Why devices did not succeed, if any did not: the assertion below then shows it.
    const failures = await Promise.all(
      ids.map(async (jobId) => {
        const rows = await a.http('POST', '/devices/query?api-version=2021-04-12', {
          body: {
            query: `SELECT * FROM devices.jobs WHERE devices.jobs.jobId = '${jobId}' AND devices.jobs.status != 'completed'`,
          },
        });
        return (await rows.json()) as { deviceId: string; status: string; error?: unknown }[];
      }),
    );
    expect(failures.flat().slice(0, 5)).toEqual([]);
    for (const jobId of ids) {
      const p = progress.get(jobId) as Required<Progress>;
      expect(p.job).toMatchObject({
        status: 'completed',
        deviceJobStatistics: { deviceCount: DEVICES, succeededCount: DEVICES, failedCount: 0 },
      });
    }
    const median = (values: number[]) =>
      [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)] ?? 0;
    const bound = (values: number[]) => Math.max(MAX_LAG_MS, STRAGGLER_FACTOR * median(values));
    const jobBound = bound(lags.map((lag) => lag.jobEnded));
    const orchestrationBound = bound(lags.map((lag) => lag.orchestrationEnded));
    for (const lag of lags) {
      expect({ jobId: lag.jobId, jobEndedWithinBound: lag.jobEnded <= jobBound }).toEqual({
        jobId: lag.jobId,
        jobEndedWithinBound: true,
      });
      expect(lag.orchestrationEnded).toBeLessThanOrEqual(orchestrationBound);
    }

    for (const [i, jobId] of ids.entries()) {
      const rows = await (i % 2 ? a : b).http('POST', '/devices/query?api-version=2021-04-12', {
        body: { query: `SELECT * FROM devices.jobs WHERE devices.jobs.jobId = '${jobId}'` },
        headers: { 'x-ms-max-item-count': String(DEVICES * 2) },
      });
      const deviceRows = (await rows.json()) as { deviceId: string; status: string }[];
      expect(deviceRows).toHaveLength(DEVICES);
      expect(new Set(deviceRows.map((row) => row.deviceId)).size).toBe(DEVICES);
      const statuses: Record<string, number> = {};
      for (const row of deviceRows) statuses[row.status] = (statuses[row.status] ?? 0) + 1;
      expect({ jobId, statuses }).toEqual({ jobId, statuses: { completed: DEVICES } });
    }
  });
});
