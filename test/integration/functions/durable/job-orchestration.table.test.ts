import { registerJobActivities } from '../../../../functions/durable/job-activities';
import '../../../../functions/durable/job.orchestrator';
import { JOB_ORCHESTRATOR_NAME } from '../../../../functions/durable/job-function-names';
import { type RunningAzurite, startAzurite } from '../../../../packages/func-local/storage/azurite';
import { DEFAULT_ACTIVITY_LIMITS, DEFAULT_JOB_SETTINGS } from '../../../../shared/jobs/core/job-settings';
import { type JobsService, createJobsService } from '../../../../shared/jobs/service/jobs-service';
import type { JobOrchestrationInput } from '../../../../shared/jobs/core/ports';
import { type JobStorage, createJobStorage, jobTableNames } from '../../../../shared/storage/jobs-storage';
import { DurableHarness } from '../../../support/durable-harness/durable-harness';
import {
  ManualClock,
  RecordingOrchestrations,
  ScriptedGateway,
  SequentialIds,
  realEngineTime,
} from '../../../support/in-memory-ports';

let azurite: RunningAzurite;
let storage: JobStorage;
let gateway: ScriptedGateway;
let clock: ManualClock;
let service: JobsService;
let orchestrations: RecordingOrchestrations;

const fleet = Array.from({ length: 23 }, (_, i) => `sensor-${String(i).padStart(2, '0')}`);
const settings = { ...DEFAULT_JOB_SETTINGS, shardSize: 5, maxDevicesInFlight: 3 };

beforeAll(async () => {
  azurite = await startAzurite({ inMemory: true });
  storage = createJobStorage(azurite.connectionString, jobTableNames('orch'));
  await storage.ensureTables();
  clock = new ManualClock(new Date('2026-11-26T06:00:00.000Z'));
  gateway = new ScriptedGateway(fleet, {
    'sensor-04': { kind: 'throw', code: 'DeviceNotOnline', message: 'sensor-04 is offline' },
    'sensor-09': { kind: 'answer', status: 500, payload: { error: 'disk full' } },
  });
  // The activities see the gateway through this indirection, so each test can script its own fleet.
  registerJobActivities(() => ({
    ...storage,
    clock,
    ...realEngineTime(),
    gateway: {
      resolveTargetsPage: (condition, page) => gateway.resolveTargetsPage(condition, page),
      invokeMethod: (deviceId, method) => gateway.invokeMethod(deviceId, method),
      applyTwinPatch: (deviceId, patch) => gateway.applyTwinPatch(deviceId, patch),
      readTwin: (deviceId) => gateway.readTwin(deviceId),
      checkTwinCondition: (deviceId, condition) => gateway.checkTwinCondition(deviceId, condition),
    },
    limits: { ...DEFAULT_ACTIVITY_LIMITS, stopCheckIntervalMs: 5 },
  }));
  orchestrations = new RecordingOrchestrations();
  service = createJobsService({ ...storage, orchestrations, clock, ids: new SequentialIds(), settings });
}, 60_000);

afterAll(async () => {
  await azurite.stop();
});

// Real activities over Azurite: generous for a loaded machine (each case takes 1–3 s on an idle one).
jest.setTimeout(30_000);

const REBOOT = { type: 'scheduleDeviceMethod', cloudToDeviceMethod: { methodName: 'reboot' } } as const;

/** Creates a job through the service; answers the input of the orchestration the service started for it. */
async function createJob(jobId: string, body: Record<string, unknown>): Promise<JobOrchestrationInput> {
  await service.createJob({ jobId, body });
  const input = orchestrations.started.at(-1);
  if (!input) throw new Error('the orchestration was not started');
  return input;
}

/**
 * Runs the orchestration the service started under the durable harness: the real orchestrator, the real activities
 * (their registered handlers, through the programming model) over Table storage, timers on the ports' clock.
 */
async function drive(input: JobOrchestrationInput) {
  const durable = new DurableHarness({ start: clock, realActivities: true });
  const run = await durable.start(JOB_ORCHESTRATOR_NAME, input, input.jobId).untilDone();
  return {
    output: run.output,
    activityCalls: run.activityCalls.map((call) => call.name),
    history: run.history,
  };
}

it('runs a method job end to end: real orchestrator, real activities, Table storage', async () => {
  const input = await createJob('reboot-all', {
    ...REBOOT,
    queryCondition: "tags.building = '43'",
    countMethodErrorsAsFailures: true,
  });
  const { output, activityCalls, history } = await drive(input);
  expect(output).toEqual({ jobId: 'reboot-all', outcome: 'completed', runSteps: 1 });
  expect(activityCalls).toEqual(['jobMarkRunning', 'jobRunDevices', 'jobFinalize']);
  const job = await service.getJob('reboot-all');
  expect(job).toMatchObject({ status: 'completed', statusMessage: 'Completed.' });
  expect(job.endTime).toBeDefined();
  expect(job.deviceJobStatistics).toEqual({
    deviceCount: 23,
    failedCount: 2,
    succeededCount: 21,
    runningCount: 0,
    pendingCount: 0,
  });
  const failed = await service.queryDeviceJobs({
    query:
      "SELECT * FROM devices.jobs WHERE devices.jobs.jobId = 'reboot-all' AND devices.jobs.status = 'failed'",
  });
  expect(failed.items.map((r) => [r.deviceId, r.error?.code]).sort()).toEqual([
    ['sensor-04', 'DeviceNotOnline'],
    ['sensor-09', 'DeviceMethodFailed'],
  ]);
  expect(JSON.stringify(history)).not.toContain('sensor-');
});

it('waits for a start time in the future, then runs on time', async () => {
  const startTime = new Date(clock.now().getTime() + 5_000).toISOString();
  const input = await createJob('later', {
    type: 'scheduleUpdateTwin',
    updateTwin: { tags: { floor: 3 } },
    deviceIds: ['sensor-01', 'sensor-02'],
    startTime,
  });
  expect((await service.getJob('later')).status).toBe('scheduled');
  const { output } = await drive(input);
  expect(output).toMatchObject({ outcome: 'completed', runSteps: 1 });
  const rows = await service.queryDeviceJobs({ query: `SELECT * FROM devices.jobs WHERE jobId = 'later'` });
  expect(rows.items.map((r) => r.startTimeUtc)).toEqual([startTime, startTime]);
});

it('cancels during the run: running devices finish, the rest end canceled, the job cancelled', async () => {
  const input = await createJob('cancel-me', { ...REBOOT, queryCondition: '*' });
  const previous = gateway;
  gateway = new ScriptedGateway(fleet);
  gateway.delayMs = 100;
  let cancelled: Promise<unknown> | undefined;
  gateway.onDevice = (deviceId) => {
    if (deviceId === 'sensor-05') cancelled ??= service.cancelJob('cancel-me');
  };
  const { output } = await drive(input).finally(() => {
    gateway = previous;
  });
  await cancelled;
  expect(output).toMatchObject({ outcome: 'cancelled', runSteps: 1 });
  const job = await service.getJob('cancel-me');
  expect(job.status).toBe('cancelled');
  expect(job.endTime).toBeDefined();
  const stats = job.deviceJobStatistics;
  expect(stats.pendingCount + stats.runningCount).toBe(0);
  expect(stats.deviceCount).toBe(23);
  const canceled = await service.queryDeviceJobs({
    query:
      "SELECT * FROM devices.jobs WHERE devices.jobs.jobId = 'cancel-me' AND devices.jobs.status = 'canceled'",
    maxItemCount: 100,
  });
  expect(canceled.items.length).toBeGreaterThanOrEqual(10);
});

it('fails the job at the deadline: devices not started by then fail with the timeout code', async () => {
  const previous = gateway;
  gateway = new ScriptedGateway(fleet);
  gateway.delayMs = 10;
  gateway.onDevice = () => clock.advance(4_000);
  try {
    const input = await createJob('too-slow', {
      ...REBOOT,
      queryCondition: '*',
      maxExecutionTimeInSeconds: 30,
    });
    const { output } = await drive(input);
    expect(output).toMatchObject({ outcome: 'failed', runSteps: 1 });
    const job = await service.getJob('too-slow');
    expect(job).toMatchObject({
      status: 'failed',
      failureReason: 'maxExecutionTimeInSeconds (30 s) elapsed before every device was processed.',
    });
    const stats = job.deviceJobStatistics;
    expect(stats.deviceCount).toBe(23);
    expect(stats.pendingCount + stats.runningCount).toBe(0);
    expect(stats.succeededCount).toBeGreaterThan(0);
    expect(stats.succeededCount).toBeLessThan(23);
    const timedOut = await service.queryDeviceJobs({
      query:
        "SELECT * FROM devices.jobs WHERE jobId = 'too-slow' AND error.code = 'JobMaxExecutionTimeExceeded'",
      maxItemCount: 100,
    });
    expect(timedOut.items).toHaveLength(stats.failedCount);
  } finally {
    gateway = previous;
  }
});

it('runs a 1,000-device job through the orchestration and reports its throughput', async () => {
  const previous = gateway;
  gateway = new ScriptedGateway(
    Array.from({ length: 1000 }, (_, i) => `floor3-${String(i).padStart(4, '0')}`),
  );
  try {
    const input = await createJob('thousand', {
      type: 'scheduleUpdateTwin',
      updateTwin: { properties: { desired: { fw: '2.0' } } },
      queryCondition: '*',
    });
    const started = Date.now();
    const { output, history } = await drive({
      ...input,
      settings: { ...input.settings, shardSize: 100, maxDevicesInFlight: 100 },
    });
    const elapsed = Date.now() - started;
    expect(output).toMatchObject({ outcome: 'completed', runSteps: 1 });
    expect((await service.getJob('thousand')).deviceJobStatistics).toMatchObject({
      deviceCount: 1000,
      succeededCount: 1000,
    });
    expect(gateway.patched).toHaveLength(1000);
    expect(history.length).toBeLessThan(20);
    process.stdout.write(
      `1,000-device twin job: ${elapsed} ms end to end over Azurite, ${history.length} history events\n`,
    );
  } finally {
    gateway = previous;
  }
}, 120_000);
