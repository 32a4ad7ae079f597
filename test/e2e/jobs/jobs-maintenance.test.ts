import { type RunningAzurite, startAzurite } from '../../../packages/func-local/storage/azurite';
import type { JobRecord } from '../../../shared/jobs/core/job-model';
import { createJobStorage, type JobStorage } from '../../../shared/storage/jobs-storage';
import { type JobsHost, seedFleet, startJobsHost } from './jobs-host';
import { waitFor } from '../../support/wait-for';

let azurite: RunningAzurite;
let storage: JobStorage;
let host: JobsHost;

beforeAll(async () => {
  azurite = await startAzurite({ inMemory: true });
  storage = createJobStorage(azurite.connectionString);
  await storage.ensureTables();
  host = await startJobsHost({
    AzureWebJobsStorage: azurite.connectionString,
    JOB_RECONCILIATION_SCHEDULE: '*/2 * * * * *',
    JOB_RECONCILIATION_GRACE_SECONDS: '0',
    JOB_RETENTION_SCHEDULE: '*/2 * * * * *',
    JOB_RETENTION_DAYS: '30',
  });
  await seedFleet(
    host,
    Array.from({ length: 3 }, (_, i) => ({ id: `orphan-${i}`, tags: { fleet: 'orphan' } })),
  );
}, 120_000);

afterAll(async () => {
  await host?.stop();
  await azurite?.stop();
});

const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();

const methodJob = (jobId: string, extra: Partial<JobRecord>): JobRecord => ({
  jobId,
  type: 'scheduleDeviceMethod',
  status: 'queued',
  cloudToDeviceMethod: {
    methodName: 'reboot',
    payload: null,
    responseTimeoutInSeconds: 10,
    connectTimeoutInSeconds: 0,
  },
  queryCondition: "tags.fleet = 'orphan'",
  createdTime: daysAgo(0),
  startTime: daysAgo(0),
  maxExecutionTimeInSeconds: 60,
  ...extra,
});

const eventually = <T>(what: string, read: () => Promise<T>, done: (value: T) => boolean): Promise<T> =>
  waitFor(what, read, done, { timeoutMs: 20_000, intervalMs: 250 });

describe('the maintenance timers, run by the local host', () => {
  it('reconciliation starts the orchestration of a job row left without one', async () => {
    // A job row whose orchestration start was lost (written straight to the table, no instance).
    await storage.jobs.create(methodJob('orphaned', {}));
    const job = await eventually(
      'the orphaned job to complete',
      async () =>
        (await (await host.http('GET', '/jobs/v2/orphaned')).json()) as {
          status: string;
          deviceJobStatistics: { succeededCount: number };
        },
      (value) => value.status === 'completed',
    );
    expect(job.deviceJobStatistics.succeededCount).toBe(3);
    expect(host.running.host.output.some((line) => /Job reconciliation: restarted orphaned/.test(line))).toBe(
      true,
    );
  }, 30_000);

  it('retention purges jobs finished more than JOB_RETENTION_DAYS ago and keeps recent ones', async () => {
    await storage.jobs.create(
      methodJob('ancient', {
        status: 'completed',
        createdTime: daysAgo(41),
        startTime: daysAgo(41),
        endTime: daysAgo(40),
      }),
    );
    await storage.jobs.create(
      methodJob('recent', {
        status: 'completed',
        createdTime: daysAgo(3),
        startTime: daysAgo(3),
        endTime: daysAgo(2),
      }),
    );
    await eventually(
      'the ancient job to be purged',
      async () => (await host.http('GET', '/jobs/v2/ancient')).status,
      (status) => status === 404,
    );
    expect(await storage.jobs.get('ancient')).toBeUndefined();
    expect((await host.http('GET', '/jobs/v2/recent')).status).toBe(200);
  }, 30_000);
});
