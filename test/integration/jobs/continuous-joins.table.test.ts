import { TableClient } from '@azure/data-tables';
import { type RunningAzurite, startAzurite } from '../../../packages/func-local/storage/azurite';
import { createJobStorage, jobTableNames, type JobStorage } from '../../../shared/storage/jobs-storage';
import { DEFAULT_ACTIVITY_LIMITS } from '../../../shared/jobs/core/job-settings';
import type { JobRecord } from '../../../shared/jobs/core/job-model';
import type { DeviceJobRepository, JobJoinRepository } from '../../../shared/jobs/core/ports';
import type { JobExecutionDependencies } from '../../../shared/jobs/engine/job-execution';
import { START_CURSOR } from '../../../shared/jobs/engine/job-execution';
import { type RunDevicesCommand, runJobDevices } from '../../../shared/jobs/engine/job-run';
import { InstantDelays, ManualClock, ScriptedGateway, SequentialIds } from '../../support/in-memory-ports';

/**
 * Continuous jobs' joins on the Table repositories (Azurite): the join table's batch joins, and a run step that
 * fails while it takes joined devices into the job (activities run at least once: the next delivery goes on from
 * the same cursor) — no joined device may be lost, none may run twice.
 */

let azurite: RunningAzurite;
let stands = 0;

beforeAll(async () => {
  azurite = await startAzurite({ inMemory: true });
}, 60_000);

afterAll(async () => {
  await azurite.stop();
});

const JOINED = Array.from({ length: 5 }, (_, i) => `joined-${i}`);

interface Stand {
  storage: JobStorage;
  gateway: ScriptedGateway;
  job: JobRecord;
  deps: (overrides?: Partial<JobExecutionDependencies>) => JobExecutionDependencies;
}

/** A running continuous job whose snapshot found nothing, with {@link JOINED} joined and queued. */
async function continuousJob(): Promise<Stand> {
  stands += 1;
  const storage = createJobStorage(azurite.connectionString, jobTableNames(`cj${stands}`));
  await storage.ensureTables();
  const gateway = new ScriptedGateway([]);
  const clock = new ManualClock(new Date());
  const at = clock.now().toISOString();
  const job: JobRecord = {
    jobId: `continuous-${stands}`,
    type: 'scheduleUpdateTwin',
    status: 'running',
    updateTwin: { tags: { patched: true } },
    queryCondition: "tags.fleet = 'joining'",
    targetSelection: 'continuous',
    createdTime: at,
    startTime: at,
    runStartedTime: at,
    maxExecutionTimeInSeconds: 3600,
  };
  await storage.jobs.create(job);
  expect(await storage.joins.joinMany(job.jobId, JOINED, at)).toEqual(JOINED);
  const deps = (overrides: Partial<JobExecutionDependencies> = {}): JobExecutionDependencies => ({
    jobs: storage.jobs,
    deviceIdLists: storage.deviceIdLists,
    deviceJobs: storage.deviceJobs,
    joins: storage.joins,
    gateway,
    clock,
    delays: new InstantDelays(),
    ids: new SequentialIds(),
    limits: DEFAULT_ACTIVITY_LIMITS,
    ...overrides,
  });
  return { storage, gateway, job, deps };
}

const command = (job: JobRecord): RunDevicesCommand => ({
  jobId: job.jobId,
  deadline: new Date(Date.now() + 3_600_000).toISOString(),
  maxDevicesInFlight: 10,
  shardSize: 100,
  cursor: START_CURSOR,
  pausable: true,
  windowAware: true,
});

/** The device rows' store, whose `failing` write (1-based) fails as storage would. */
function deviceJobsFailingAt(deviceJobs: DeviceJobRepository, failing: number): DeviceJobRepository {
  let writes = 0;
  return Object.assign(Object.create(deviceJobs) as DeviceJobRepository, {
    upsertMany: (rows: Parameters<DeviceJobRepository['upsertMany']>[0]) => {
      writes += 1;
      return writes === failing
        ? Promise.reject(new Error('storage unavailable'))
        : deviceJobs.upsertMany(rows);
    },
  });
}

async function expectEveryJoinedDeviceRanOnce(stand: Stand): Promise<void> {
  const { job, storage, gateway } = stand;
  const again = await runJobDevices(stand.deps(), command(job));
  expect(again.done).toBe(true);
  expect(await storage.jobs.getStatistics(job.jobId)).toMatchObject({
    deviceCount: JOINED.length,
    succeededCount: JOINED.length,
  });
  const rows = await storage.deviceJobs.query({ jobId: job.jobId }, { maxItems: 100 });
  expect(rows.items.map((row) => row.deviceId).sort()).toEqual(JOINED);
  // Each device's twin holds the patch once (a repeated device whose twin has it is not patched again).
  for (const deviceId of JOINED) expect(gateway.twins.get(deviceId)?.version).toBe(2);
  expect(await storage.joins.queued(job.jobId, 100)).toEqual([]);
}

describe('continuous jobs: joined devices taken into the job (Table repositories on Azurite)', () => {
  it.each([
    ['keeps joined devices queued when their rows could not be stored', 1],
    ['reads back the joined shard a failed step stored, whose results were not written', 2],
  ])(
    '%s',
    async (_, failingWrite) => {
      const stand = await continuousJob();
      const deviceJobs = deviceJobsFailingAt(stand.storage.deviceJobs, failingWrite);
      await expect(runJobDevices(stand.deps({ deviceJobs }), command(stand.job))).rejects.toThrow(
        'storage unavailable',
      );
      await expectEveryJoinedDeviceRanOnce(stand);
    },
    30_000,
  );

  it('takes the devices of a stored shard off the queue when the step failed before it did', async () => {
    const stand = await continuousJob();
    const joins: JobJoinRepository = Object.assign(Object.create(stand.storage.joins) as JobJoinRepository, {
      dequeue: () => Promise.reject(new Error('storage unavailable')),
    });
    await expect(runJobDevices(stand.deps({ joins }), command(stand.job))).rejects.toThrow(
      'storage unavailable',
    );
    await expectEveryJoinedDeviceRanOnce(stand);
    expect(stand.gateway.patched).toHaveLength(JOINED.length);
  }, 30_000);
});

describe('the join table (Azurite)', () => {
  it('joins a write of many devices in batches, each device once however often it is written', async () => {
    const storage = createJobStorage(azurite.connectionString, jobTableNames(`jt${++stands}`));
    await storage.ensureTables();
    const at = new Date().toISOString();
    const many = Array.from({ length: 120 }, (_, i) => `dev-${String(i).padStart(3, '0')}`);
    await storage.joins.addSnapshotMembers('job', ['dev-007']);
    // A chunk with a member already is joined device by device: its other devices still join.
    const joined = await storage.joins.joinMany('job', [...many, 'dev-001'], at);
    expect(joined).toEqual(many.filter((id) => id !== 'dev-007'));
    expect(await storage.joins.joinMany('job', ['dev-001', 'dev-119', 'new'], at)).toEqual(['new']);
    const table = TableClient.fromConnectionString(
      azurite.connectionString,
      jobTableNames(`jt${stands}`).joins,
      {
        allowInsecureConnection: true,
      },
    );
    let queuedRows = 0;
    for await (const row of table.listEntities({ queryOptions: { filter: "PartitionKey eq 'job'" } })) {
      if ((row.rowKey ?? '').startsWith('q|')) queuedRows += 1;
    }
    expect(queuedRows).toBe(many.length);
    const first = await storage.joins.queued('job', 100);
    expect(first).toHaveLength(100);
    await storage.joins.dequeue('job', first);
    expect((await storage.joins.queued('job', 100)).sort()).toEqual(
      [...joined, 'new'].filter((id) => !first.includes(id)).sort(),
    );
  }, 30_000);
});
