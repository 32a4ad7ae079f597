import { type RunningAzurite, startAzurite } from '../../../local-host/storage/azurite';
import { resolveJobTargets } from '../../../shared/jobs/job-execution';
import { DEFAULT_JOB_SETTINGS } from '../../../shared/jobs/job-settings';
import { createJobsService } from '../../../shared/jobs/jobs-service';
import { createJobStorage, jobTableNames } from '../../../shared/storage/jobs-storage';
import {
  ManualClock,
  RecordingOrchestrations,
  ScriptedGateway,
  SequentialIds,
} from '../../unit/jobs/support/in-memory-ports';

let azurite: RunningAzurite;

beforeAll(async () => {
  azurite = await startAzurite({ inMemory: true });
}, 60_000);

afterAll(async () => {
  await azurite.stop();
});

it('creates a deviceIds job of 100,000 ids and resolves it into pending rows and shard counters', async () => {
  const storage = createJobStorage(azurite.connectionString, jobTableNames('large'));
  await storage.ensureTables();
  const clock = new ManualClock(new Date('2026-11-26T06:00:00.000Z'));
  const service = createJobsService({
    ...storage,
    orchestrations: new RecordingOrchestrations(),
    clock,
    ids: new SequentialIds(),
    parseCondition: (c) => c,
    settings: DEFAULT_JOB_SETTINGS,
  });
  const deviceIds = Array.from(
    { length: 100_000 },
    (_, i) => `building43-floor3-${String(i).padStart(6, '0')}`,
  );
  const body = JSON.stringify({
    type: 'scheduleDeviceMethod',
    cloudToDeviceMethod: { methodName: 'reboot' },
    deviceIds,
  });
  expect(body.length).toBeGreaterThan(8 * 1024 * 100);

  const createStarted = Date.now();
  const created = await service.createJob({ jobId: 'reboot-43-3', body: JSON.parse(body) });
  const createMs = Date.now() - createStarted;
  expect(created.status).toBe('queued');

  const resolveStarted = Date.now();
  const resolved = await resolveJobTargets(
    { ...storage, gateway: new ScriptedGateway([]), clock },
    { jobId: 'reboot-43-3', shardSize: 2_000 },
  );
  const resolveMs = Date.now() - resolveStarted;
  expect(resolved.deviceCount).toBe(100_000);
  expect(resolved.shards).toHaveLength(50);
  expect((await service.getJob('reboot-43-3')).deviceJobStatistics).toEqual({
    deviceCount: 100_000,
    failedCount: 0,
    succeededCount: 0,
    runningCount: 0,
    pendingCount: 100_000,
  });
  const last = await storage.deviceJobs.listShard('reboot-43-3', 49);
  expect(last.map((row) => row.deviceId).sort()).toEqual(deviceIds.slice(98_000));
  process.stdout.write(`100,000 device ids: createJob ${createMs} ms, resolveTargets ${resolveMs} ms\n`);
}, 180_000);
