import { TableClient } from '@azure/data-tables';
import { realEngineTime } from '../../support/in-memory-ports';
import { type RunningAzurite, startAzurite } from '../../../packages/func-local/storage/azurite';
import { JobAlreadyExistsError } from '../../../shared/jobs/core/job-errors';
import { ConcurrencyConflictError } from '../../../shared/iothub-rules';
import type { DeviceJobRecord, JobRecord } from '../../../shared/jobs/core/job-model';
import { withEngineLease } from '../../../shared/jobs/engine/lease';
import { lifecycleEvents } from '../../../shared/jobs/core/job-events';
import { aggregateStatistics } from '../../../shared/jobs/core/job-statistics';
import { type JobStorage, createJobStorage, jobTableNames } from '../../../shared/storage/jobs-storage';
import { StoredEntityError } from '../../../shared/storage/stored-entity';
import {
  asciiJson,
  decodeKey,
  encodeKey,
  joinJson,
  splitJson,
  tableClient,
} from '../../../shared/storage/table-support';

let azurite: RunningAzurite;
let storage: JobStorage;

beforeAll(async () => {
  azurite = await startAzurite({ inMemory: true });
  storage = createJobStorage(azurite.connectionString, jobTableNames('repo'));
  await storage.ensureTables();
  await storage.ensureTables();
}, 60_000);

afterAll(async () => {
  await azurite.stop();
});

const job = (jobId: string, extra: Partial<JobRecord> = {}): JobRecord => ({
  jobId,
  type: 'scheduleDeviceMethod',
  status: 'queued',
  createdTime: '2026-11-26T06:00:00.000Z',
  startTime: '2026-11-26T06:00:00.000Z',
  maxExecutionTimeInSeconds: 3600,
  cloudToDeviceMethod: {
    methodName: 'reboot',
    payload: null,
    responseTimeoutInSeconds: 30,
    connectTimeoutInSeconds: 0,
  },
  queryCondition: '*',
  ...extra,
});

const deviceRow = (
  jobId: string,
  deviceId: string,
  shard: number,
  extra: Partial<DeviceJobRecord> = {},
): DeviceJobRecord => ({
  jobId,
  deviceId,
  jobType: 'scheduleDeviceMethod',
  shard,
  status: 'pending',
  createdDateTimeUtc: '2026-11-26T06:00:00.000Z',
  lastUpdatedDateTimeUtc: '2026-11-26T06:00:00.000Z',
  ...extra,
});

describe('TableJobRepository', () => {
  it('round-trips a job with a 128 KB payload split over properties', async () => {
    const payload = { blob: 'é€'.repeat(20_000), nested: { list: [1, 2, 3] } };
    const record = job('big-payload', {
      cloudToDeviceMethod: {
        methodName: 'm',
        payload,
        responseTimeoutInSeconds: 30,
        connectTimeoutInSeconds: 0,
      },
      statusMessage: 'hello',
    });
    await storage.jobs.create(record);
    expect((await storage.jobs.get('big-payload'))?.job).toEqual(record);
  });

  it('refuses a second create of the same id and keeps the first row', async () => {
    await storage.jobs.create(job('dup'));
    await expect(storage.jobs.create(job('dup', { maxExecutionTimeInSeconds: 1 }))).rejects.toThrow(
      JobAlreadyExistsError,
    );
    expect((await storage.jobs.get('dup'))?.job.maxExecutionTimeInSeconds).toBe(3600);
  });

  it('updates only with the current etag', async () => {
    const { etag } = await storage.jobs.create(job('etag'));
    const newEtag = await storage.jobs.update(job('etag', { status: 'running' }), etag);
    expect(newEtag).not.toBe(etag);
    await expect(storage.jobs.update(job('etag', { status: 'cancelled' }), etag)).rejects.toThrow(
      ConcurrencyConflictError,
    );
    expect((await storage.jobs.get('etag'))?.job.status).toBe('running');
    await expect(storage.jobs.update(job('missing'), etag)).rejects.toThrow(ConcurrencyConflictError);
  });

  it('sums shard counters at read time and deletes a job with its counters', async () => {
    await storage.jobs.create(job('stats'));
    await storage.jobs.writeShardCounters('stats', 0, {
      pending: 1,
      running: 2,
      succeeded: 3,
      failed: 4,
      canceled: 5,
    });
    await storage.jobs.writeShardCounters('stats', 1, {
      pending: 10,
      running: 0,
      succeeded: 0,
      failed: 0,
      canceled: 0,
    });
    await storage.jobs.writeShardCounters('stats', 1, {
      pending: 0,
      running: 0,
      succeeded: 10,
      failed: 0,
      canceled: 0,
    });
    await storage.jobs.writeShardCounters('stats-other', 0, {
      pending: 99,
      running: 0,
      succeeded: 0,
      failed: 0,
      canceled: 0,
    });
    expect(await storage.jobs.getStatistics('stats')).toEqual({
      deviceCount: 25,
      failedCount: 9,
      succeededCount: 13,
      runningCount: 2,
      pendingCount: 1,
    });
    await storage.jobs.deleteShardCounters('stats');
    expect((await storage.jobs.getStatistics('stats')).deviceCount).toBe(0);
    await storage.jobs.writeShardCounters('stats', 0, {
      pending: 1,
      running: 0,
      succeeded: 0,
      failed: 0,
      canceled: 0,
    });
    await storage.jobs.delete('stats');
    expect(await storage.jobs.get('stats')).toBeUndefined();
    expect((await storage.jobs.getStatistics('stats')).deviceCount).toBe(0);
    expect((await storage.jobs.getStatistics('stats-other')).pendingCount).toBe(99);
  });

  it('reads a job row and its summed counters in one query, ignoring its outbox and other jobs', async () => {
    const created = lifecycleEvents(undefined, job('one-read'), aggregateStatistics([]), 'now');
    const stored = await storage.jobs.create(created.job, created.events);
    await storage.jobs.writeShardCounters('one-read', 3, {
      pending: 2,
      running: 1,
      succeeded: 4,
      failed: 1,
      canceled: 0,
    });
    await storage.jobs.writeShardCounters('one-read-other', 0, {
      pending: 50,
      running: 0,
      succeeded: 0,
      failed: 0,
      canceled: 0,
    });
    const read = await storage.jobs.getWithStatistics('one-read');
    expect(read?.job).toEqual(created.job);
    expect(read?.statistics).toEqual(await storage.jobs.getStatistics('one-read'));
    expect(read?.statistics).toMatchObject({ deviceCount: 8, succeededCount: 4, pendingCount: 2 });
    // The etag the create transaction answered is the row's: an update with it succeeds.
    expect(stored.etag).toBe(read?.etag);
    await storage.jobs.update({ ...created.job, status: 'running' }, stored.etag);
    expect(await storage.jobs.getWithStatistics('no-such-job')).toBeUndefined();
  });

  it('lists jobs by type and status with continuation tokens, ignoring counter rows', async () => {
    const names = jobTableNames('listing');
    const own = createJobStorage(azurite.connectionString, names);
    await own.ensureTables();
    for (let i = 0; i < 7; i += 1) {
      await own.jobs.create(job(`m${i}`, { status: i % 2 === 0 ? 'running' : 'queued' }));
      await own.jobs.writeShardCounters(`m${i}`, 0, {
        pending: 1,
        running: 0,
        succeeded: 0,
        failed: 0,
        canceled: 0,
      });
    }
    await own.jobs.create(
      job('t0', { type: 'scheduleUpdateTwin', status: 'running', cloudToDeviceMethod: undefined }),
    );
    const running: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await own.jobs.query(
        { status: 'running', type: 'scheduleDeviceMethod' },
        { maxItems: 2, continuationToken: token },
      );
      running.push(...page.items.map((j) => j.jobId));
      token = page.continuationToken;
      pages += 1;
    } while (token);
    expect(running).toEqual(['m0', 'm2', 'm4', 'm6']);
    expect(pages).toBe(2);
    expect((await own.jobs.query({}, { maxItems: 100 })).items).toHaveLength(8);
    expect(
      (await own.jobs.query({ type: 'scheduleUpdateTwin' }, { maxItems: 100 })).items.map((j) => j.jobId),
    ).toEqual(['t0']);
  });
});

describe("the lease (of a job's engine steps, of a schedule's firing)", () => {
  const soon = () => new Date(Date.now() + 30_000);

  it('is held by one holder until released or expired, and renewed by its holder', async () => {
    await storage.jobs.create(job('leased'));
    expect(await storage.jobs.leaseEngine('leased', 'a', soon())).toBe(true);
    expect(await storage.jobs.leaseEngine('leased', 'b', soon())).toBe(false);
    expect(await storage.jobs.leaseEngine('leased', 'a', soon())).toBe(true);
    await storage.jobs.releaseEngine('leased', 'b');
    expect(await storage.jobs.leaseEngine('leased', 'b', soon())).toBe(false);
    await storage.jobs.releaseEngine('leased', 'a');
    expect(await storage.jobs.leaseEngine('leased', 'b', new Date(Date.now() - 1))).toBe(true);
    // b's lease has expired (a holder that died): a takes it over.
    expect(await storage.jobs.leaseEngine('leased', 'a', soon())).toBe(true);
    expect((await storage.jobs.getWithStatistics('leased'))?.statistics.deviceCount).toBe(0);
  });

  it('serializes engine steps delivered twice: the second starts once the first ended', async () => {
    await storage.jobs.create(job('twice'));
    const deps = { jobs: storage.jobs, clock: { now: () => new Date() }, ...realEngineTime() };
    const spans: [number, number][] = [];
    const step = async () => {
      const start = Date.now();
      await new Promise((resolve) => setTimeout(resolve, 300));
      spans.push([start, Date.now()]);
      return 'ran';
    };
    const results = await Promise.all([
      withEngineLease(deps, 'twice', Date.now() + 10_000, step),
      withEngineLease(deps, 'twice', Date.now() + 10_000, step),
    ]);
    expect(results).toEqual(['ran', 'ran']);
    const [first, second] = [...spans].sort((x, y) => x[0] - y[0]) as [[number, number], [number, number]];
    expect(second[0]).toBeGreaterThanOrEqual(first[1]);
    // A step that cannot get the lease by its deadline does nothing.
    expect(await storage.jobs.leaseEngine('twice', 'other', soon())).toBe(true);
    expect(await withEngineLease(deps, 'twice', Date.now(), step)).toBeUndefined();
    expect(spans).toHaveLength(2);
  });

  it("is one mechanism: a schedule's firing lease is the same kind of row, beside the schedule, unseen by listings", async () => {
    expect(await storage.schedules.leaseFiring('nightly', 'a', soon())).toBe(true);
    expect(await storage.schedules.leaseFiring('nightly', 'b', soon())).toBe(false);
    await storage.schedules.releaseFiring('nightly', 'a');
    expect(await storage.schedules.leaseFiring('nightly', 'b', soon())).toBe(true);
    expect((await storage.schedules.list({ maxItems: 10 })).items).toEqual([]);
    expect(await storage.schedules.get('nightly')).toBeUndefined();
  });
});

describe('TableDeviceIdListRepository', () => {
  it('stores and reloads 100,000 device ids in order, outside the job row', async () => {
    const ids = Array.from(
      { length: 100_000 },
      (_, i) => `building-43-floor-3-device-${String(i).padStart(6, '0')}`,
    );
    const started = Date.now();
    await storage.deviceIdLists.save('list-100k|a', ids);
    const loaded = await storage.deviceIdLists.load('list-100k|a');
    const elapsed = Date.now() - started;
    expect(loaded).toEqual(ids);
    expect(elapsed).toBeLessThan(30_000);
    await storage.deviceIdLists.delete('list-100k|a');
    expect(await storage.deviceIdLists.load('list-100k|a')).toEqual([]);
  });
});

describe('TableDeviceJobRepository', () => {
  it('writes more than 100 rows of one shard and reads them back by shard', async () => {
    const rows = Array.from({ length: 250 }, (_, i) => deviceRow('many', `d${i}`, i < 230 ? 0 : 1));
    await storage.deviceJobs.upsertMany(rows);
    expect(await storage.deviceJobs.listShard('many', 0)).toHaveLength(230);
    expect((await storage.deviceJobs.listShard('many', 1)).map((r) => r.deviceId).sort()).toEqual(
      Array.from({ length: 20 }, (_, i) => `d${230 + i}`).sort(),
    );
  });

  it('keeps device ids with characters keys forbid, and large method outcomes', async () => {
    const odd = ['a#b?c%d', "it's", 'x:y.z+*!(),=@$'];
    const outcome = { deviceMethodResponse: { status: 200, payload: { data: 'x'.repeat(100_000) } } };
    await storage.deviceJobs.upsertMany(
      odd.map((id) => deviceRow('odd', id, 0, { status: 'completed', outcome })),
    );
    const read = await storage.deviceJobs.listShard('odd', 0);
    expect(read.map((r) => r.deviceId).sort()).toEqual([...odd].sort());
    expect(read[0]?.outcome).toEqual(outcome);
    const one = await storage.deviceJobs.query({ jobId: 'odd', deviceId: 'a#b?c%d' }, { maxItems: 10 });
    expect(one.items.map((r) => r.deviceId)).toEqual(['a#b?c%d']);
  });

  it('replaces rows whole, so a retried device loses its old error', async () => {
    await storage.deviceJobs.upsertMany([
      deviceRow('retry', 'd1', 0, {
        status: 'failed',
        error: { code: 'GatewayTimeout', description: 'slow' },
      }),
    ]);
    await storage.deviceJobs.upsertMany([deviceRow('retry', 'd1', 0, { status: 'completed' })]);
    const [row] = await storage.deviceJobs.listShard('retry', 0);
    expect(row?.status).toBe('completed');
    expect(row?.error).toBeUndefined();
  });

  it('merges a later state into a row it stored, and replaces a row that no longer holds all the stored one held', async () => {
    const submit = jest.spyOn(TableClient.prototype, 'submitTransaction');
    const modes = () => submit.mock.calls.flatMap(([actions]) => actions.map((action) => action[2]));
    try {
      const pending = deviceRow('merge', 'd1', 0, { restore: [{ path: ['tags', 'a'], value: 1 }] });
      const waiting = deviceRow('merge', 'd2', 0, {
        status: 'running',
        waitingUntil: '2026-11-26T07:00:00.000Z',
      });
      await storage.deviceJobs.upsertMany([pending, waiting]);
      const stored = new Map([
        ['d1', pending],
        ['d2', waiting],
      ]);
      const completed = deviceRow('merge', 'd1', 0, {
        status: 'completed',
        restore: pending.restore,
        endTimeUtc: '2026-11-26T06:00:01.000Z',
      });
      const ended = deviceRow('merge', 'd2', 0, { status: 'completed' });
      submit.mockClear();
      await storage.deviceJobs.upsertMany([completed, ended], stored);
      expect(modes()).toEqual(['Merge', 'Replace']);
    } finally {
      submit.mockRestore();
    }
    const rows = new Map((await storage.deviceJobs.listShard('merge', 0)).map((row) => [row.deviceId, row]));
    expect(rows.get('d1')).toMatchObject({
      status: 'completed',
      restore: [{ path: ['tags', 'a'], value: 1 }],
    });
    expect(rows.get('d2')?.status).toBe('completed');
    expect(rows.get('d2')?.waitingUntil).toBeUndefined();
  });

  it('queries one job only (not a job whose id extends it) with filters and pages, and deletes a job', async () => {
    await storage.deviceJobs.upsertMany([
      ...Array.from({ length: 12 }, (_, i) =>
        deviceRow('q', `d${i}`, i % 3, { status: i < 4 ? 'failed' : 'completed' }),
      ),
      deviceRow('q', 'shared', 1),
      deviceRow('q-2', 'shared', 0),
      deviceRow('q.2', 'shared', 0),
      deviceRow('qq', 'shared', 0, { jobType: 'scheduleUpdateTwin' }),
    ]);
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await storage.deviceJobs.query({ jobId: 'q' }, { maxItems: 5, continuationToken: token });
      expect(page.items.every((r) => r.jobId === 'q')).toBe(true);
      seen.push(...page.items.map((r) => r.deviceId));
      token = page.continuationToken;
    } while (token);
    expect(seen.sort()).toEqual([...Array.from({ length: 12 }, (_, i) => `d${i}`), 'shared'].sort());
    expect(
      (await storage.deviceJobs.query({ jobId: 'q', status: 'failed' }, { maxItems: 100 })).items,
    ).toHaveLength(4);
    const acrossJobs = await storage.deviceJobs.query({ deviceId: 'shared' }, { maxItems: 100 });
    expect(acrossJobs.items.map((r) => r.jobId).sort()).toEqual(['q', 'q-2', 'q.2', 'qq']);
    const twins = await storage.deviceJobs.query({ jobType: 'scheduleUpdateTwin' }, { maxItems: 100 });
    expect(twins.items.map((r) => r.jobId)).toEqual(['qq']);
    await storage.deviceJobs.deleteJob('q');
    expect((await storage.deviceJobs.query({ jobId: 'q' }, { maxItems: 100 })).items).toEqual([]);
    expect((await storage.deviceJobs.query({ jobId: 'q-2' }, { maxItems: 100 })).items).toHaveLength(1);
  });
});

describe("rows read back are parsed with their table's schema", () => {
  const names = jobTableNames('repo');
  const write = (table: string, entity: { partitionKey: string; rowKey: string } & Record<string, unknown>) =>
    tableClient(azurite.connectionString, table).upsertEntity(entity, 'Replace');

  it('names the table, the row and the column of a corrupt job row', async () => {
    await storage.jobs.create(job('corrupt-status'));
    await write(names.jobs, { partitionKey: 'corrupt-status', rowKey: 'job', type: 'scheduleUpdateTwin' });
    const read = storage.jobs.get('corrupt-status');
    await expect(read).rejects.toThrow(StoredEntityError);
    await expect(read).rejects.toThrow(
      "Table repojobs, row PartitionKey 'corrupt-status' RowKey 'job': status is missing.",
    );
    await write(names.jobs, {
      partitionKey: 'corrupt-status',
      rowKey: 'job',
      type: 'reboot',
      status: 'queued',
    });
    await expect(storage.jobs.get('corrupt-status')).rejects.toThrow(
      ': type must be one of scheduleDeviceMethod, scheduleUpdateTwin.',
    );
  });

  it('names the field inside a JSON column, and JSON that no longer parses', async () => {
    const record = job('corrupt-spec');
    await storage.jobs.create(record);
    const { jobId, type, status, createdTime, startTime, maxExecutionTimeInSeconds } = record;
    const columns = { partitionKey: jobId, rowKey: 'job', type, status, createdTime, startTime };
    await write(names.jobs, {
      ...columns,
      maxExecutionTimeInSeconds,
      ...splitJson('spec', { deviceIdList: { listId: 'l', count: 'many' } }),
    });
    await expect(storage.jobs.get('corrupt-spec')).rejects.toThrow(
      'spec.deviceIdList.count must be an integer',
    );
    await write(names.jobs, {
      ...columns,
      maxExecutionTimeInSeconds,
      specParts: 1,
      spec0: '{"queryCondition":',
    });
    await expect(storage.jobs.get('corrupt-spec')).rejects.toThrow(
      /: spec is not the JSON it was written as/,
    );
  });

  it('refuses a device job row whose stored error is not a device job error', async () => {
    await storage.deviceJobs.upsertMany([deviceRow('corrupt-device', 'd1', 0)]);
    await write(names.deviceJobs, {
      ...Object.fromEntries(Object.entries(deviceRow('corrupt-device', 'd1', 0))),
      partitionKey: 'corrupt-device|000000',
      rowKey: 'd1',
      error: '{"code":42}',
    });
    await expect(storage.deviceJobs.listShard('corrupt-device', 0)).rejects.toThrow(
      "Table repodevicejobs, row PartitionKey 'corrupt-device|000000' RowKey 'd1': error.code must be a string.",
    );
  });
});

describe('table encoding helpers', () => {
  it('splits and joins long JSON as ASCII', () => {
    const value = { text: 'ab'.repeat(40_000), accents: 'é€😀' };
    const entity = splitJson('spec', value);
    expect(entity.specParts).toBe(3);
    expect(joinJson('spec', entity)).toEqual(value);
    expect(asciiJson('é€')).toBe('"\\u00e9\\u20ac"');
    expect(joinJson('spec', splitJson('spec', null))).toBeNull();
    expect(joinJson('spec', {})).toBeUndefined();
  });

  it('encodes forbidden key characters reversibly', () => {
    const id = 'a/b\\c#d?e%f\u0001';
    expect(encodeKey(id)).toBe('a%2Fb%5Cc%23d%3Fe%25f%01');
    expect(decodeKey(encodeKey(id))).toBe(id);
  });
});
