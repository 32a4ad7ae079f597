import { InvocationContext } from '@azure/functions';
import { registerJobActivities } from '../../../functions/durable/job-activities';
import '../../../functions/durable/job.orchestrator';
import { JOB_ORCHESTRATOR_NAME } from '../../../functions/durable/job-function-names';
import { registeredFunctions } from '../../support/functions-core-stand-in';
import { type RunningAzurite, startAzurite } from '../../../packages/func-local/storage/azurite';
import { DEFAULT_ACTIVITY_LIMITS, DEFAULT_JOB_SETTINGS } from '../../../shared/jobs/core/job-settings';
import { type JobsService, createJobsService } from '../../../shared/jobs/service/jobs-service';
import type { JobOrchestrationInput } from '../../../shared/jobs/core/ports';
import { type JobStorage, createJobStorage, jobTableNames } from '../../../shared/storage/jobs-storage';
import {
  ManualClock,
  RecordingOrchestrations,
  ScriptedGateway,
  SequentialIds,
  realEngineTime,
} from '../../support/in-memory-ports';
import {
  History,
  type OrchestratorCallback,
  flatActions,
  runEpisode,
} from '../../support/orchestration-history';

jest.mock(
  '@azure/functions-core',
  () =>
    jest.requireActual<typeof import('../../support/functions-core-stand-in')>(
      '../../support/functions-core-stand-in',
    ).coreStandIn,
  { virtual: true },
);

const registered = (name: string): unknown => registeredFunctions.get(name)?.callback;

type ActivityCallback = (input: unknown, context: InvocationContext) => Promise<unknown>;

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
  registerJobActivities({
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
  });
  orchestrations = new RecordingOrchestrations();
  service = createJobsService({ ...storage, orchestrations, clock, ids: new SequentialIds(), settings });
}, 60_000);

afterAll(async () => {
  await azurite.stop();
});

/**
 * A minimal stand-in for the Durable extension: replays the real orchestrator over a growing history, runs the
 * activities it schedules for real (through their registered handlers) and fires its timers at once.
 */
async function drive(
  input: JobOrchestrationInput,
  beforeEpisode: (episode: number) => Promise<void> = () => Promise.resolve(),
) {
  const orchestrator = registered(JOB_ORCHESTRATOR_NAME) as OrchestratorCallback;
  const history = new History(clock.now().toISOString())
    .episode(clock.now().toISOString())
    .started(JOB_ORCHESTRATOR_NAME, input);
  const scheduled = new Set<number>();
  const activityCalls: string[] = [];
  for (let episode = 0; episode < 100; episode += 1) {
    const state = await runEpisode(orchestrator, input.jobId, input, history.events);
    if (state.isDone) return { output: state.output, activityCalls, history };
    let id = 0;
    const work: Promise<void>[] = [];
    const completions: ((h: History) => void)[] = [];
    history.endEpisode();
    for (const action of flatActions(state)) {
      if (action.actionType === 6) continue;
      const sequence = id++;
      if (scheduled.has(sequence)) continue;
      scheduled.add(sequence);
      if (action.actionType === 5) {
        if (action.isCanceled === true) continue;
        const fireAt = action.fireAt as string;
        history.timerCreated(sequence, fireAt);
        if (Date.parse(fireAt) > clock.now().getTime()) clock.current = new Date(fireAt);
        completions.push((h) => h.timerFired(sequence, fireAt));
      } else {
        const name = action.functionName as string;
        history.scheduled(sequence, name, action.input);
        activityCalls.push(name);
        const activity = registered(name) as ActivityCallback;
        work.push(
          activity(action.input, new InvocationContext({ functionName: name })).then(
            (result) => void completions.push((h) => h.completed(sequence, result ?? null)),
            (error: unknown) => void completions.push((h) => h.failed(sequence, String(error))),
          ),
        );
      }
    }
    await Promise.all(work);
    await beforeEpisode(episode);
    history.episode(clock.now().toISOString());
    for (const complete of completions) complete(history);
  }
  throw new Error('the orchestration did not finish within 100 episodes');
}

it('runs a method job end to end: real orchestrator, real activities, Table storage', async () => {
  await service.createJob({
    jobId: 'reboot-all',
    body: {
      type: 'scheduleDeviceMethod',
      cloudToDeviceMethod: { methodName: 'reboot' },
      queryCondition: "tags.building = '43'",
      countMethodErrorsAsFailures: true,
    },
  });
  const input = orchestrations.started.at(-1);
  if (!input) throw new Error('the orchestration was not started');
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
  expect(JSON.stringify(history.events)).not.toContain('sensor-');
});

it('waits for a start time in the future, then runs on time', async () => {
  const startTime = new Date(clock.now().getTime() + 5_000).toISOString();
  await service.createJob({
    jobId: 'later',
    body: {
      type: 'scheduleUpdateTwin',
      updateTwin: { tags: { floor: 3 } },
      deviceIds: ['sensor-01', 'sensor-02'],
      startTime,
    },
  });
  expect((await service.getJob('later')).status).toBe('scheduled');
  const input = orchestrations.started.at(-1);
  if (!input) throw new Error('the orchestration was not started');
  const { output } = await drive(input);
  expect(output).toMatchObject({ outcome: 'completed', runSteps: 1 });
  const rows = await service.queryDeviceJobs({ query: `SELECT * FROM devices.jobs WHERE jobId = 'later'` });
  expect(rows.items.map((r) => r.startTimeUtc)).toEqual([startTime, startTime]);
});

it('cancels during the run: running devices finish, the rest end canceled, the job cancelled', async () => {
  await service.createJob({
    jobId: 'cancel-me',
    body: {
      type: 'scheduleDeviceMethod',
      cloudToDeviceMethod: { methodName: 'reboot' },
      queryCondition: '*',
    },
  });
  const input = orchestrations.started.at(-1);
  if (!input) throw new Error('the orchestration was not started');
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
    await service.createJob({
      jobId: 'too-slow',
      body: {
        type: 'scheduleDeviceMethod',
        cloudToDeviceMethod: { methodName: 'reboot' },
        queryCondition: '*',
        maxExecutionTimeInSeconds: 30,
      },
    });
    const input = orchestrations.started.at(-1);
    if (!input) throw new Error('the orchestration was not started');
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
    await service.createJob({
      jobId: 'thousand',
      body: {
        type: 'scheduleUpdateTwin',
        updateTwin: { properties: { desired: { fw: '2.0' } } },
        queryCondition: '*',
      },
    });
    const input = orchestrations.started.at(-1);
    if (!input) throw new Error('the orchestration was not started');
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
    expect(history.events.length).toBeLessThan(20);
    process.stdout.write(
      `1,000-device twin job: ${elapsed} ms end to end over Azurite, ${history.events.length} history events\n`,
    );
  } finally {
    gateway = previous;
  }
}, 120_000);
