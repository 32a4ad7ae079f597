import { type RunningAzurite, startAzurite } from '../../../packages/func-local/storage/azurite';
import { START_CURSOR } from '../../../shared/jobs/engine/job-execution';
import { runJobDevices } from '../../../shared/jobs/engine/job-run';
import { DEFAULT_ACTIVITY_LIMITS, DEFAULT_JOB_SETTINGS } from '../../../shared/jobs/core/job-settings';
import { createJobsService } from '../../../shared/jobs/service/jobs-service';
import { createJobStorage, jobTableNames } from '../../../shared/storage/jobs-storage';
import {
  ManualClock,
  RecordingOrchestrations,
  ScriptedGateway,
  SequentialIds,
  realEngineTime,
} from '../../support/in-memory-ports';

let azurite: RunningAzurite;

beforeAll(async () => {
  azurite = await startAzurite({ inMemory: true });
}, 60_000);

afterAll(async () => {
  await azurite.stop();
});

it('creates a deviceIds job of 100,000 ids and resolves it page by page within a step time budget', async () => {
  const storage = createJobStorage(azurite.connectionString, jobTableNames('large'));
  await storage.ensureTables();
  const clock = { now: () => new Date() };
  const service = createJobsService({
    ...storage,
    orchestrations: new RecordingOrchestrations(),
    clock: new ManualClock(new Date()),
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

  // A 2 s budget: a 30 s method call cannot fit, so devices start for half a second and the step ends soon after.
  const gateway = new ScriptedGateway([]);
  const stepStarted = Date.now();
  const step = await runJobDevices(
    {
      ...storage,
      gateway,
      clock,
      ...realEngineTime(),
      limits: { ...DEFAULT_ACTIVITY_LIMITS, budgetMs: 2_000 },
    },
    {
      jobId: 'reboot-43-3',
      deadline: new Date(Date.now() + 3_600_000).toISOString(),
      maxDevicesInFlight: 200,
      shardSize: 1_000,
      cursor: START_CURSOR,
    },
  );
  const stepMs = Date.now() - stepStarted;
  expect(step.done).toBe(false);
  expect(step.cursor.targets).toEqual({
    done: false,
    continuation: expect.stringMatching(/^\d+:\d+$/) as string,
  });
  // Far from the whole list: the step stopped starting devices after half a second and wrote back what it had.
  expect(stepMs).toBeLessThan(10_000);
  expect(step.cursor.shardCount).toBeLessThan(50);
  const stats = (await service.getJob('reboot-43-3')).deviceJobStatistics;
  expect(stats.deviceCount).toBe(step.cursor.shardCount * 1_000);
  expect(stats.succeededCount).toBe(gateway.invoked.length);
  expect(gateway.invoked).toEqual(deviceIds.slice(0, gateway.invoked.length));
  process.stdout.write(
    `100,000 device ids: createJob ${createMs} ms; a 2 s step resolved ${stats.deviceCount} and ran ${gateway.invoked.length} in ${stepMs} ms\n`,
  );
}, 180_000);
