import { type RunningAzurite, startAzurite } from '../../../packages/func-local/storage/azurite';
import { createJobStorage, jobTableNames, type JobStorage } from '../../../shared/storage/jobs-storage';
import { TableCompletionWaits } from '../../../shared/storage/completion-waits.repository';
import { type LazyTable, lazyTable } from '../../../shared/storage/table-support';
import { WATCH_PRESENCE_MAX_AGE_MS } from '../../../shared/jobs/core/completion-condition';
import { DEFAULT_ACTIVITY_LIMITS } from '../../../shared/jobs/core/job-settings';
import { countDeviceStatuses } from '../../../shared/jobs/core/job-statistics';
import type { DeviceJobRecord, JobRecord } from '../../../shared/jobs/core/job-model';
import type { CompletionWait } from '../../../shared/jobs/core/ports';
import type { JobExecutionDependencies } from '../../../shared/jobs/engine/job-execution';
import { settleCompletions, startCompletionWait } from '../../../shared/jobs/engine/completion-waits';
import { InstantDelays, ManualClock, ScriptedGateway, SequentialIds } from '../../support/in-memory-ports';

let azurite: RunningAzurite;

beforeAll(async () => {
  azurite = await startAzurite({ inMemory: true });
}, 60_000);

afterAll(async () => {
  await azurite.stop();
});

const DEVICES = ['dev-a', 'dev-b', 'dev-c'];
const CONDITION = "properties.reported.firmware = '2.1.0'";

interface Stand {
  deps: JobExecutionDependencies;
  storage: JobStorage;
  waits: TableCompletionWaits;
  gateway: ScriptedGateway;
  clock: ManualClock;
  job: JobRecord;
}

let stands = 0;

/**
 * The waits as stored, where a twin writer that read a device's watch just before the settle removed it writes its
 * met mark just after (once, for `lateDevice`).
 */
class RacingTwinWriter extends TableCompletionWaits {
  constructor(
    private readonly raw: LazyTable,
    private lateDevice: string | undefined,
  ) {
    super(raw);
  }

  override async remove(waits: readonly CompletionWait[]): Promise<void> {
    await super.remove(waits);
    const late = waits.find((wait) => wait.deviceId === this.lateDevice);
    if (!late) return;
    this.lateDevice = undefined;
    const entity = { partitionKey: `j|${late.jobId}`, rowKey: `m|${late.deviceId}`, ...late };
    await (await this.raw()).upsertEntity(entity, 'Replace');
  }
}

/** A twin job whose devices succeeded and now wait for their reported firmware (rows and counters as the run left them). */
async function waitingDevices(lateDevice?: string): Promise<Stand> {
  stands += 1;
  const storage = createJobStorage(azurite.connectionString, jobTableNames(`cs${stands}`));
  await storage.ensureTables();
  const waits = new RacingTwinWriter(lazyTable(azurite.connectionString, `cs${stands}waits`), lateDevice);
  const gateway = new ScriptedGateway(DEVICES);
  const clock = new ManualClock(new Date());
  const deps: JobExecutionDependencies = {
    jobs: storage.jobs,
    deviceIdLists: storage.deviceIdLists,
    deviceJobs: storage.deviceJobs,
    gateway,
    completionWaits: waits,
    clock,
    delays: new InstantDelays(),
    ids: new SequentialIds(),
    limits: DEFAULT_ACTIVITY_LIMITS,
  };
  const at = clock.now().toISOString();
  const job: JobRecord = {
    jobId: `settle-${stands}`,
    type: 'scheduleUpdateTwin',
    status: 'running',
    updateTwin: { properties: { desired: { firmware: '2.1.0' } } },
    queryCondition: '*',
    createdTime: at,
    startTime: at,
    runStartedTime: at,
    maxExecutionTimeInSeconds: 3600,
    completionCondition: { condition: CONDITION, timeoutInSeconds: 60 },
  };
  await storage.jobs.create(job);
  const rows: DeviceJobRecord[] = [];
  for (const deviceId of DEVICES) {
    const succeeded: DeviceJobRecord = {
      jobId: job.jobId,
      deviceId,
      jobType: job.type,
      shard: 0,
      status: 'completed',
      createdDateTimeUtc: at,
      lastUpdatedDateTimeUtc: at,
      startTimeUtc: at,
      endTimeUtc: at,
      attempts: 1,
    };
    const waiting = await startCompletionWait(deps, job, succeeded, clock.now().getTime());
    expect(waiting).toMatchObject({ status: 'running', waitingUntil: expect.any(String) });
    rows.push(waiting as DeviceJobRecord);
  }
  await storage.deviceJobs.upsertMany(rows);
  await storage.jobs.writeShardCounters(job.jobId, 0, countDeviceStatuses(rows.map((row) => row.status)));
  return { deps, storage, waits, gateway, clock, job };
}

/** What a twin writer does when a device reports the firmware: marks each of its watches met. */
async function reportFirmware(stand: Stand, deviceId: string): Promise<void> {
  stand.gateway.reported.set(deviceId, { firmware: '2.1.0' });
  for (const watch of await stand.waits.watchesOf(deviceId))
    await stand.waits.markMet(watch, stand.clock.now().toISOString());
}

const noRerun = () => Promise.reject(new Error('no device runs again in this test'));

async function expectStatistics(stand: Stand, succeeded: number, running: number) {
  const statistics = await stand.storage.jobs.getStatistics(stand.job.jobId);
  expect(statistics).toMatchObject({
    deviceCount: DEVICES.length,
    succeededCount: succeeded,
    runningCount: running,
  });
  expect(statistics.succeededCount + statistics.failedCount + statistics.runningCount).toBe(DEVICES.length);
}

describe('settling completion waits (Table repositories on Azurite)', () => {
  it('counts a device that met its condition once, though its wait is also due', async () => {
    const stand = await waitingDevices();
    // The devices report after their first look (2 s after filing): each wait is both due and met.
    stand.clock.advance(3 * WATCH_PRESENCE_MAX_AGE_MS);
    for (const deviceId of DEVICES) await reportFirmware(stand, deviceId);

    const result = await settleCompletions(stand.deps, { jobId: stand.job.jobId }, noRerun);

    expect(result).toMatchObject({ remaining: false, executed: { succeeded: 3, failed: 0, timedOut: 0 } });
    await expectStatistics(stand, 3, 0);
    const rows = await stand.storage.deviceJobs.listShard(stand.job.jobId, 0);
    expect(rows.map((row) => row.status)).toEqual(['completed', 'completed', 'completed']);
  }, 30_000);

  it('settles each device once over several steps, the statistics adding up after each', async () => {
    const stand = await waitingDevices('dev-a');
    await expectStatistics(stand, 0, 3);
    await reportFirmware(stand, 'dev-a');
    let executed = (await settleCompletions(stand.deps, { jobId: stand.job.jobId }, noRerun)).executed;
    await expectStatistics(stand, 1, 2);
    // dev-a's late mark was settled in that step too (as already done), not counted again.
    expect(await stand.waits.met(stand.job.jobId, 10)).toEqual([]);

    stand.clock.advance(3 * WATCH_PRESENCE_MAX_AGE_MS);
    await reportFirmware(stand, 'dev-b');
    executed = (await settleCompletions(stand.deps, { jobId: stand.job.jobId, executed }, noRerun)).executed;
    await expectStatistics(stand, 2, 1);

    await reportFirmware(stand, 'dev-c');
    const last = await settleCompletions(stand.deps, { jobId: stand.job.jobId, executed }, noRerun);
    expect(last).toMatchObject({ remaining: false, executed: { succeeded: 3, failed: 0, timedOut: 0 } });
    await expectStatistics(stand, 3, 0);
  }, 30_000);
});
