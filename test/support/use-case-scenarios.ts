import { parseQuery } from '../../shared/query';
import {
  JobAlreadyExistsError,
  JobNotFoundError,
  JobValidationError,
  MaxActiveJobsError,
} from '../../shared/jobs/core/job-errors';
import { wireErrorOf } from '../../shared/http/iothub-errors';
import { START_CURSOR, markJobRunning } from '../../shared/jobs/engine/job-execution';
import { finalizeJob } from '../../shared/jobs/engine/job-finalize';
import {
  type RunDevicesCommand,
  type RunDevicesResult,
  runJobDevices,
} from '../../shared/jobs/engine/job-run';
import { purgeExpiredJobs, reconcileJobs } from '../../shared/jobs/engine/job-maintenance';
import {
  type ActivityLimits,
  DEFAULT_ACTIVITY_LIMITS,
  DEFAULT_JOB_SETTINGS,
} from '../../shared/jobs/core/job-settings';
import { type JobsService, createJobsService } from '../../shared/jobs/service/jobs-service';
import type {
  DeviceIdListRepository,
  DeviceJobRepository,
  JobRepository,
} from '../../shared/jobs/core/ports';
import {
  type DeviceBehaviour,
  ManualClock,
  RecordingOrchestrations,
  ScriptedGateway,
  ScriptedOrchestrationAdmin,
  SequentialIds,
  realEngineTime,
} from './in-memory-ports';

/** The storage ports under test: in-memory fakes in unit tests, Table repositories in integration tests. */
export interface StoragePorts {
  jobs: JobRepository;
  deviceIdLists: DeviceIdListRepository;
  deviceJobs: DeviceJobRepository;
}

const T0 = new Date('2026-11-26T06:00:00.000Z');
const parseCondition = (condition: string) => {
  if (/[!]{2}/.test(condition)) throw new Error('Syntax error');
  return condition;
};

const fleet = Array.from({ length: 25 }, (_, i) => `dev-${String(i).padStart(2, '0')}`);

/**
 * Scenarios of the job use cases over a storage implementation. Called by the unit tests (fakes) and the
 * integration tests (Azurite), so both implementations are held to the same behaviour.
 */
export function defineUseCaseScenarios(createStorage: () => Promise<StoragePorts>): void {
  let storage: StoragePorts;
  let clock: ManualClock;
  let orchestrations: RecordingOrchestrations;
  let service: JobsService;
  let jobCounter = 0;
  let jobId: string;

  const settings = { ...DEFAULT_JOB_SETTINGS, shardSize: 10 };
  const build = () =>
    createJobsService({
      ...storage,
      orchestrations,
      clock,
      ids: new SequentialIds(),
      parseCondition,
      settings,
    });
  const execution = (gateway: ScriptedGateway, limits: Partial<ActivityLimits> = {}) => ({
    ...storage,
    gateway,
    clock,
    ...realEngineTime(),
    limits: { ...DEFAULT_ACTIVITY_LIMITS, stopCheckIntervalMs: 5, ...limits },
  });
  /** One run step from the start (or the given cursor). */
  const run = (
    gateway: ScriptedGateway,
    fields: Partial<RunDevicesCommand> = {},
    limits: Partial<ActivityLimits> = {},
  ) =>
    runJobDevices(execution(gateway, limits), {
      jobId,
      deadline: '2026-11-26T07:00:00.000Z',
      maxDevicesInFlight: 4,
      shardSize: 10,
      cursor: START_CURSOR,
      ...fields,
    });
  /** Run steps until the run is done or stopped, each from the cursor of the one before. */
  const runAll = async (
    gateway: ScriptedGateway,
    fields: Partial<RunDevicesCommand> = {},
    limits: Partial<ActivityLimits> = {},
  ) => {
    const steps: RunDevicesResult[] = [];
    let cursor = START_CURSOR;
    for (;;) {
      const step = await run(gateway, { ...fields, cursor }, limits);
      steps.push(step);
      if (step.done || step.stoppedBy || steps.length > 100) return steps;
      cursor = step.cursor;
    }
  };
  const methodBody = (extra: Record<string, unknown> = {}) => ({
    jobId,
    type: 'scheduleDeviceMethod',
    cloudToDeviceMethod: { methodName: 'reboot', payload: { delay: 1 } },
    queryCondition: "tags.building = '43'",
    ...extra,
  });

  beforeEach(async () => {
    storage = await createStorage();
    clock = new ManualClock(T0);
    orchestrations = new RecordingOrchestrations();
    service = build();
    jobCounter += 1;
    jobId = `job-${jobCounter}-${Date.now()}`;
  });

  describe('createJob', () => {
    it('stores a queued job, starts its orchestration and answers it in the GA vocabulary', async () => {
      const response = await service.createJob({ jobId, body: methodBody() });
      expect(response).toEqual({
        jobId,
        type: 'scheduleDeviceMethod',
        status: 'queued',
        queryCondition: "tags.building = '43'",
        createdTime: T0.toISOString(),
        startTime: T0.toISOString(),
        maxExecutionTimeInSeconds: 3600,
        cloudToDeviceMethod: {
          methodName: 'reboot',
          payload: { delay: 1 },
          responseTimeoutInSeconds: 30,
          connectTimeoutInSeconds: 0,
        },
        deviceJobStatistics: {
          deviceCount: 0,
          failedCount: 0,
          succeededCount: 0,
          runningCount: 0,
          pendingCount: 0,
        },
      });
      expect(orchestrations.started).toEqual([
        { jobId, startTime: T0.toISOString(), maxExecutionTimeInSeconds: 3600, settings },
      ]);
      expect(await service.getJob(jobId)).toEqual(response);
    });

    it('answers a job starting later as queued, as IoT Hub does, and stores it as scheduled', async () => {
      const response = await service.createJob({
        jobId,
        body: methodBody({ startTime: '2026-11-26T06:00:05Z' }),
      });
      expect(response.status).toBe('queued');
      expect(response.startTime).toBe('2026-11-26T06:00:05.000Z');
      expect((await service.getJob(jobId)).status).toBe('scheduled');
    });

    it('stores nothing when the request is invalid', async () => {
      await expect(
        service.createJob({
          jobId,
          body: methodBody({ queryCondition: undefined, deviceIds: ['a', 'b c'] }),
        }),
      ).rejects.toThrow(JobValidationError);
      await expect(service.getJob(jobId)).rejects.toThrow(JobNotFoundError);
      expect(orchestrations.started).toEqual([]);
    });

    it('refuses a duplicate job id and leaves the first job untouched', async () => {
      const first = await service.createJob({ jobId, body: methodBody() });
      clock.advance(1000);
      await expect(
        service.createJob({
          jobId,
          body: { jobId, type: 'scheduleUpdateTwin', updateTwin: { tags: { a: 1 } }, deviceIds: ['x'] },
        }),
      ).rejects.toThrow(JobAlreadyExistsError);
      expect(await service.getJob(jobId)).toEqual(first);
      expect(orchestrations.started).toHaveLength(1);
    });

    it('refuses the duplicate at the store even when the existence check raced', async () => {
      await service.createJob({ jobId, body: methodBody() });
      const racing = createJobsService({
        ...storage,
        jobs: { ...bind(storage.jobs), get: () => Promise.resolve(undefined) },
        orchestrations,
        clock,
        ids: new SequentialIds(),
        parseCondition,
        settings,
      });
      await expect(
        racing.createJob({ jobId, body: methodBody({ maxExecutionTimeInSeconds: 5 }) }),
      ).rejects.toThrow(JobAlreadyExistsError);
      expect((await service.getJob(jobId)).maxExecutionTimeInSeconds).toBe(3600);
    });

    it('removes the job again when its orchestration cannot be started', async () => {
      orchestrations.failStart = true;
      await expect(service.createJob({ jobId, body: methodBody() })).rejects.toThrow('task hub unavailable');
      await expect(service.getJob(jobId)).rejects.toThrow(JobNotFoundError);
    });
  });

  describe('JOBS_MAX_ACTIVE_JOBS', () => {
    it('refuses a create past the limit with 429 ThrottlingMaxActiveJobCountExceeded, storing nothing', async () => {
      const limited = createJobsService({
        ...storage,
        orchestrations,
        clock,
        ids: new SequentialIds(),
        parseCondition,
        settings,
        maxActiveJobs: 2,
      });
      const later = new Date(T0.getTime() + 3_600_000).toISOString();
      await limited.createJob({ jobId: `${jobId}-a`, body: methodBody({ jobId: `${jobId}-a` }) });
      await limited.createJob({
        jobId: `${jobId}-b`,
        body: methodBody({ jobId: `${jobId}-b`, startTime: later }),
      });
      const refused = await limited
        .createJob({ jobId: `${jobId}-c`, body: methodBody({ jobId: `${jobId}-c` }) })
        .catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(MaxActiveJobsError);
      expect(wireErrorOf(refused)).toMatchObject({
        status: 429,
        code: 'ThrottlingMaxActiveJobCountExceeded',
      });
      expect(await storage.jobs.get(`${jobId}-c`)).toBeUndefined();
      expect(orchestrations.started).toHaveLength(2);
      // An ended job frees its place.
      await limited.cancelJob(`${jobId}-a`);
      await limited.createJob({ jobId: `${jobId}-c`, body: methodBody({ jobId: `${jobId}-c` }) });
      expect(await storage.jobs.countActive(10)).toBe(2);
    });
  });

  describe('ids on every entry point', () => {
    it.each(['a#b', 'a/b', 'a?b', '', 'x'.repeat(129), "a'b"])(
      'answers 400 ArgumentInvalid for the job id %j on get, cancel and rerun',
      async (badId) => {
        for (const attempt of [
          () => service.getJob(badId),
          () => service.cancelJob(badId),
          () => service.rerunJob({ jobId: badId, body: { jobId: `${jobId}-r`, deviceStatuses: ['failed'] } }),
        ]) {
          const error = await attempt().catch((caught: unknown) => caught);
          expect(error).toBeInstanceOf(JobValidationError);
          expect(wireErrorOf(error)).toMatchObject({ status: 400, code: 'ArgumentInvalid' });
        }
      },
    );
  });

  describe('cancelJob', () => {
    it('cancels a scheduled job at once and signals its orchestration', async () => {
      await service.createJob({ jobId, body: methodBody({ startTime: '2026-11-26T07:00:00Z' }) });
      const response = await service.cancelJob(jobId);
      expect(response.status).toBe('cancelled');
      expect(orchestrations.cancelled).toEqual([jobId]);
      expect((await service.getJob(jobId)).status).toBe('cancelled');
    });

    it('leaves a finished job as it is', async () => {
      await service.createJob({ jobId, body: methodBody() });
      await markJobRunning(storage, { jobId, runStartedTime: T0.toISOString() });
      await finalizeJob(execution(new ScriptedGateway([])), { jobId, outcome: 'completed', shardSize: 10 });
      const response = await service.cancelJob(jobId);
      expect(response.status).toBe('completed');
      expect(orchestrations.cancelled).toEqual([]);
    });

    it('answers JobNotFound for an unknown job', async () => {
      await expect(service.cancelJob('nope')).rejects.toThrow(JobNotFoundError);
    });
  });

  describe('execution', () => {
    it('runs a query job end to end: pending rows, shards, live statistics, results per device', async () => {
      const gateway = new ScriptedGateway(fleet, {
        'dev-03': { kind: 'throw', code: 'DeviceNotOnline', message: 'dev-03 is offline' },
        'dev-17': { kind: 'answer', status: 500, payload: { reason: 'busy' } },
      });
      await service.createJob({ jobId, body: methodBody({ countMethodErrorsAsFailures: true }) });
      expect(await markJobRunning(storage, { jobId, runStartedTime: T0.toISOString() })).toEqual({
        proceed: true,
        status: 'running',
      });
      const step = await run(gateway);
      // The gateway answers pages of at most 7: each page is a shard.
      expect(step).toEqual({
        done: true,
        cursor: {
          shardCount: 4,
          nextShard: 4,
          targets: { done: true },
          calls: {
            count: 25,
            seconds: 0,
            peakInFlight: 4,
            firstStartMs: T0.getTime(),
            lastEndMs: T0.getTime(),
          },
          executed: { succeeded: 23, failed: 1, timedOut: 1 },
        },
      });
      expect(gateway.queries.every((query) => query === "tags.building = '43'")).toBe(true);
      expect(gateway.maxInFlight).toBe(4);
      clock.advance(2000);
      const final = await finalizeJob(execution(gateway), {
        jobId,
        outcome: 'completed',
        shardSize: 10,
        cursor: step.cursor,
      });
      expect(final).toEqual({ done: true, status: 'completed', endTime: '2026-11-26T06:00:02.000Z' });

      const job = await service.getJob(jobId);
      expect(job).toMatchObject({ status: 'completed', endTime: '2026-11-26T06:00:02.000Z' });
      expect(job.deviceJobStatistics).toEqual({
        deviceCount: 25,
        failedCount: 2,
        succeededCount: 23,
        runningCount: 0,
        pendingCount: 0,
      });
      const offline = await service.queryDeviceJobs({
        query: `SELECT * FROM devices.jobs WHERE jobId = '${jobId}' AND deviceId = 'dev-03'`,
      });
      expect(offline.items).toEqual([
        expect.objectContaining({
          deviceId: 'dev-03',
          jobId,
          jobType: 'scheduleDeviceMethod',
          status: 'failed',
          outcome: { deviceMethodResponse: null },
          error: { code: 'DeviceNotOnline', description: 'dev-03 is offline' },
          startTimeUtc: T0.toISOString(),
        }),
      ]);
      const failing = await service.queryDeviceJobs({
        query: `SELECT * FROM devices.jobs WHERE jobId = '${jobId}' AND deviceId = 'dev-17'`,
      });
      expect(failing.items[0]).toMatchObject({
        status: 'failed',
        outcome: { deviceMethodResponse: { status: 500, payload: { reason: 'busy' } } },
        error: { code: 'DeviceMethodFailed' },
      });
      const ok = await service.queryDeviceJobs({
        query: `SELECT * FROM devices.jobs WHERE jobId = '${jobId}' AND status = 'completed'`,
        maxItemCount: 100,
      });
      expect(ok.items).toHaveLength(23);
      expect(ok.items.every((item) => item.outcome.deviceMethodResponse?.status === 200)).toBe(true);
      expect(gateway.invoked).toHaveLength(25);
      expect(new Set(gateway.invoked).size).toBe(25);
    });

    it('re-running from the same cursor invokes nothing again', async () => {
      const gateway = new ScriptedGateway(fleet.slice(0, 12));
      await service.createJob({ jobId, body: methodBody() });
      await markJobRunning(storage, { jobId, runStartedTime: T0.toISOString() });
      const first = await run(gateway);
      const again = await run(gateway);
      expect(again).toEqual({ ...first, cursor: { ...first.cursor, calls: undefined, executed: undefined } });
      expect(gateway.invoked).toHaveLength(12);
      expect((await service.getJob(jobId)).deviceJobStatistics).toMatchObject({
        deviceCount: 12,
        succeededCount: 12,
      });
    });

    it('ends each step within its time budget and continues from its cursor, each device once', async () => {
      const gateway = new ScriptedGateway(fleet);
      await service.createJob({ jobId, body: methodBody() });
      await markJobRunning(storage, { jobId, runStartedTime: T0.toISOString() });
      // A 30 s response timeout does not fit an 8 s budget: devices start for 2 s (a quarter) per step.
      gateway.onDevice = () => clock.advance(1_000);
      const steps = await runAll(gateway, { maxDevicesInFlight: 1 }, { budgetMs: 8_000 });
      expect(steps.length).toBeGreaterThan(5);
      expect(steps.at(-1)?.done).toBe(true);
      expect(steps.slice(0, -1).every((step) => !step.done && !step.stoppedBy)).toBe(true);
      expect([...gateway.invoked].sort()).toEqual(fleet);
      expect((await service.getJob(jobId)).deviceJobStatistics).toMatchObject({
        deviceCount: 25,
        succeededCount: 25,
        pendingCount: 0,
      });
    });

    it('applies a twin patch once per device even when a step is repeated after a crash', async () => {
      const deviceIds = Array.from({ length: 12 }, (_, i) => `t-${i}`);
      const gateway = new ScriptedGateway([]);
      await service.createJob({
        jobId,
        body: { type: 'scheduleTwinUpdate', updateTwin: { tags: { floor: 3 } }, deviceIds },
      });
      await markJobRunning(storage, { jobId, runStartedTime: T0.toISOString() });
      const done = await run(gateway);
      expect(done.done).toBe(true);
      // A crash after the twins changed but before the results were stored: the rows still say pending.
      const rows = (await storage.deviceJobs.query({ jobId }, { maxItems: 100 })).items;
      await storage.deviceJobs.upsertMany(
        rows.map((row) => {
          const pending = { ...row, status: 'pending' as const };
          delete pending.endTimeUtc;
          return pending;
        }),
      );
      await run(gateway);
      expect(gateway.patched).toHaveLength(12);
      expect([...gateway.twins.values()].map((twin) => twin.version)).toEqual(Array(12).fill(2));
      const results = await service.queryDeviceJobs({
        query: `SELECT * FROM devices.jobs WHERE jobId = '${jobId}' AND status = 'completed'`,
        maxItemCount: 100,
      });
      expect(results.items).toHaveLength(12);
    });

    it('runs a deviceIds twin job over the stored id list', async () => {
      const deviceIds = Array.from({ length: 12 }, (_, i) => `t-${i}`);
      const gateway = new ScriptedGateway([], {
        't-4': { kind: 'throw', code: 'PreconditionFailed', message: 'etag' },
      });
      await service.createJob({
        jobId,
        body: { type: 'scheduleTwinUpdate', updateTwin: { tags: { floor: 3 } }, deviceIds },
      });
      await markJobRunning(storage, { jobId, runStartedTime: T0.toISOString() });
      const step = await run(gateway, { shardSize: 5, maxDevicesInFlight: 3 });
      expect(step.cursor.shardCount).toBe(3);
      expect(gateway.queries).toEqual([]);
      expect(gateway.patched.map((p) => p.deviceId).sort()).toEqual([...deviceIds].sort());
      expect(gateway.patched[0]?.patch).toEqual({ tags: { floor: 3 } });
      const results = await service.queryDeviceJobs({
        query: `SELECT * FROM devices.jobs WHERE jobId = '${jobId}' AND jobType = 'scheduleUpdateTwin'`,
      });
      expect(results.items).toHaveLength(12);
      expect(results.items.find((r) => r.deviceId === 't-4')).toMatchObject({
        status: 'failed',
        error: { code: 'PreconditionFailed' },
      });
      expect(results.items.filter((r) => r.status === 'completed')).toHaveLength(11);
    });

    it('stops starting devices once the job is cancelled; the rest end canceled', async () => {
      const gateway = new ScriptedGateway(fleet.slice(0, 10));
      gateway.delayMs = 20;
      await service.createJob({ jobId, body: methodBody() });
      await markJobRunning(storage, { jobId, runStartedTime: T0.toISOString() });
      let cancelled: Promise<unknown> | undefined;
      gateway.onDevice = (deviceId) => {
        if (deviceId === 'dev-01') cancelled = service.cancelJob(jobId);
      };
      const result = await run(gateway, { maxDevicesInFlight: 2 });
      await cancelled;
      expect(result.stoppedBy).toBe('cancelled');
      expect(gateway.invoked.length).toBeLessThan(10);
      const final = await finalizeJob(execution(gateway), {
        jobId,
        outcome: 'cancelled',
        shardSize: 10,
        cursor: result.cursor,
      });
      expect(final).toMatchObject({ done: true, status: 'cancelled' });
      expect(final.endTime).toBeDefined();
      const canceled = await service.queryDeviceJobs({
        query: `SELECT * FROM devices.jobs WHERE jobId = '${jobId}' AND status = 'canceled'`,
      });
      expect(canceled.items).toHaveLength(10 - gateway.invoked.length);
      const stats = (await service.getJob(jobId)).deviceJobStatistics;
      expect(stats).toEqual({
        deviceCount: 10,
        pendingCount: 0,
        runningCount: 0,
        succeededCount: gateway.invoked.length,
        failedCount: 10 - gateway.invoked.length,
      });
    });

    it('stops starting devices once the job is paused; a paused step of v3 returns at once, of v2 holds it', async () => {
      const gateway = new ScriptedGateway(fleet.slice(0, 10));
      gateway.delayMs = 20;
      await service.createJob({ jobId, body: methodBody() });
      await markJobRunning(storage, { jobId, runStartedTime: T0.toISOString() });
      let paused: Promise<unknown> | undefined;
      gateway.onDevice = (deviceId) => {
        if (deviceId === 'dev-01') paused = service.pauseJob({ jobId, by: 'operator' });
      };
      const first = await run(gateway, { maxDevicesInFlight: 2, pausable: true });
      await paused;
      expect(first).toMatchObject({ done: false, stoppedBy: 'paused' });
      const started = gateway.invoked.length;
      expect(started).toBeLessThan(10);
      expect((await service.getJob(jobId)).deviceJobStatistics.runningCount).toBe(0);

      const again = await run(gateway, { cursor: first.cursor, pausable: true });
      expect(again).toEqual({ cursor: first.cursor, done: false, stoppedBy: 'paused' });
      // A v2 step holds the paused job (no stop reason v2 does not know) until resumed, then runs on.
      const held = run(gateway, { cursor: first.cursor });
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(gateway.invoked).toHaveLength(started);
      await service.resumeJob({ jobId, by: 'operator' });
      const finished = await held;
      expect(finished.done).toBe(true);
      expect(new Set(gateway.invoked).size).toBe(10);
    });

    it('fails devices not started by the deadline with a timeout code', async () => {
      const gateway = new ScriptedGateway(fleet.slice(0, 6));
      gateway.delayMs = 20;
      await service.createJob({ jobId, body: methodBody({ maxExecutionTimeInSeconds: 60 }) });
      await markJobRunning(storage, { jobId, runStartedTime: T0.toISOString() });
      gateway.onDevice = () => clock.advance(40_000);
      const result = await run(gateway, { deadline: '2026-11-26T06:01:00.000Z', maxDevicesInFlight: 1 });
      expect(result.stoppedBy).toBe('deadline');
      const started = gateway.invoked.length;
      expect(started).toBeLessThan(6);
      const final = await finalizeJob(execution(gateway), {
        jobId,
        outcome: 'failed',
        failureReason: 'maxExecutionTimeInSeconds elapsed',
        shardSize: 10,
        cursor: result.cursor,
        deviceErrorCode: 'JobMaxExecutionTimeExceeded',
      });
      expect(final).toMatchObject({ done: true, status: 'failed' });
      expect(await service.getJob(jobId)).toMatchObject({
        failureReason: 'maxExecutionTimeInSeconds elapsed',
      });
      const timedOut = await service.queryDeviceJobs({
        query: `SELECT * FROM devices.jobs WHERE jobId = '${jobId}' AND status = 'failed'`,
      });
      expect(timedOut.items.map((r) => r.error?.code)).toEqual(
        Array(6 - started).fill('JobMaxExecutionTimeExceeded'),
      );
    });

    it('settles targets never resolved as failed when the job fails, in time-bounded steps', async () => {
      const gateway = new ScriptedGateway(fleet.slice(0, 15));
      await service.createJob({ jobId, body: methodBody() });
      await markJobRunning(storage, { jobId, runStartedTime: T0.toISOString() });
      const command = {
        jobId,
        outcome: 'failed' as const,
        failureReason: 'gateway down',
        shardSize: 10,
        cursor: START_CURSOR,
      };
      const final = await finalizeJob(execution(gateway), command);
      expect(final).toMatchObject({ done: true, status: 'failed' });
      const job = await service.getJob(jobId);
      expect(job).toMatchObject({ status: 'failed', failureReason: 'gateway down' });
      expect(job.deviceJobStatistics).toEqual({
        deviceCount: 15,
        failedCount: 15,
        succeededCount: 0,
        runningCount: 0,
        pendingCount: 0,
      });
      const rows = await service.queryDeviceJobs({
        query: `SELECT * FROM devices.jobs WHERE jobId = '${jobId}'`,
        maxItemCount: 100,
      });
      expect(
        rows.items.every((r) => r.error?.code === 'JobFailed' && r.error.description === 'gateway down'),
      ).toBe(true);
      expect(gateway.invoked).toEqual([]);
    });

    it('does not run a job cancelled before it started', async () => {
      await service.createJob({ jobId, body: methodBody() });
      await service.cancelJob(jobId);
      expect(await markJobRunning(storage, { jobId, runStartedTime: T0.toISOString() })).toEqual({
        proceed: false,
        status: 'cancelled',
      });
    });
  });

  describe('maintenance timers', () => {
    const maintenance = (admin: ScriptedOrchestrationAdmin) => ({
      ...storage,
      clock,
      ...realEngineTime(),
      limits: DEFAULT_ACTIVITY_LIMITS,
      orchestrations,
      admin,
      settings,
    });
    const finish = async (id: string, body: Record<string, unknown>) => {
      await service.createJob({ jobId: id, body });
      await markJobRunning(storage, { jobId: id, runStartedTime: clock.now().toISOString() });
      const gateway = new ScriptedGateway(fleet.slice(0, 3));
      const step = await runJobDevices(execution(gateway), {
        jobId: id,
        deadline: '2027-01-01T00:00:00.000Z',
        maxDevicesInFlight: 2,
        shardSize: 10,
        cursor: START_CURSOR,
      });
      await finalizeJob(execution(gateway), {
        jobId: id,
        outcome: 'cancelled',
        shardSize: 10,
        cursor: step.cursor,
      });
    };

    it('purges finished jobs past retention with their device rows, id list and history', async () => {
      const admin = new ScriptedOrchestrationAdmin();
      const old = `${jobId}-old`;
      const recent = `${jobId}-recent`;
      const active = `${jobId}-active`;
      await finish(old, { ...methodBody(), jobId: old, queryCondition: undefined, deviceIds: ['a', 'b'] });
      clock.advance(20 * 24 * 3600 * 1000);
      await finish(recent, { ...methodBody(), jobId: recent });
      await service.createJob({ jobId: active, body: { ...methodBody(), jobId: active } });
      clock.advance(11 * 24 * 3600 * 1000);

      const purged = await purgeExpiredJobs(maintenance(admin), 30);
      expect(purged.filter((id) => id.startsWith(jobId))).toEqual([old]);
      expect(admin.purged).toContain(old);
      await expect(service.getJob(old)).rejects.toThrow(JobNotFoundError);
      expect(
        (await service.queryDeviceJobs({ query: `SELECT * FROM devices.jobs WHERE jobId = '${old}'` })).items,
      ).toEqual([]);
      expect(
        (await service.queryDeviceJobs({ query: `SELECT * FROM devices.jobs WHERE jobId = '${recent}'` }))
          .items,
      ).toHaveLength(3);
      expect((await service.getJob(active)).status).toBe('queued');
    });

    it('restarts jobs without an orchestration and fails those whose orchestration ended', async () => {
      const admin = new ScriptedOrchestrationAdmin();
      const orphan = `${jobId}-orphan`;
      const dead = `${jobId}-dead`;
      const alive = `${jobId}-alive`;
      const young = `${jobId}-young`;
      for (const id of [orphan, dead, alive])
        await service.createJob({ jobId: id, body: { ...methodBody(), jobId: id } });
      await markJobRunning(storage, { jobId: dead, runStartedTime: clock.now().toISOString() });
      admin.statuses.set(dead, 'Failed');
      admin.statuses.set(alive, 'Running');
      clock.advance(600_000);
      await service.createJob({ jobId: young, body: { ...methodBody(), jobId: young } });
      const startedBefore = orchestrations.started.length;

      const report = await reconcileJobs(maintenance(admin), 300);
      expect(report.restarted.filter((id) => id.startsWith(jobId))).toEqual([orphan]);
      expect(report.failed.filter((id) => id.startsWith(jobId))).toEqual([dead]);
      expect(orchestrations.started.slice(startedBefore).map((input) => input.jobId)).toEqual([orphan]);
      expect(await service.getJob(dead)).toMatchObject({
        status: 'failed',
        failureReason: "The job's orchestration ended (Failed) without finishing the job.",
      });
      expect((await service.getJob(alive)).status).toBe('queued');
      expect((await service.getJob(young)).status).toBe('queued');
    });
  });

  describe('queryJobs and queryDeviceJobs', () => {
    it('filters by type and status case-insensitively in both vocabularies and pages', async () => {
      const prefix = jobId;
      for (let i = 0; i < 5; i += 1) {
        jobId = `${prefix}-m${i}`;
        await service.createJob({ jobId, body: methodBody() });
      }
      jobId = `${prefix}-t`;
      await service.createJob({
        jobId,
        body: { type: 'scheduleUpdateTwin', updateTwin: { tags: { a: 1 } }, queryCondition: '*' },
      });
      await service.cancelJob(`${prefix}-m0`);

      const mine = (ids: { jobId: string }[]) =>
        ids.map((j) => j.jobId).filter((id) => id.startsWith(prefix));
      const twins = await service.queryJobs({ jobType: 'SCHEDULETWINUPDATE', maxItemCount: 1000 });
      expect(mine(twins.items)).toEqual([`${prefix}-t`]);
      const cancelled = await service.queryJobs({
        jobStatus: 'Cancelled',
        jobType: 'scheduleDirectRequest',
        maxItemCount: 1000,
      });
      expect(mine(cancelled.items)).toEqual([`${prefix}-m0`]);
      const queued = await service.queryJobs({ jobStatus: 'pending', maxItemCount: 1000 });
      expect(mine(queued.items)).toHaveLength(5);

      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await service.queryJobs({ maxItemCount: '2', continuationToken: token });
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((j) => j.jobId));
        token = page.continuationToken;
        pages += 1;
      } while (token);
      expect(mine(seen.map((id) => ({ jobId: id }))).sort()).toEqual(
        [0, 1, 2, 3, 4]
          .map((i) => `${prefix}-m${i}`)
          .concat(`${prefix}-t`)
          .sort(),
      );
      expect(pages).toBeGreaterThanOrEqual(3);
    });

    it('refuses continuation tokens it did not issue, and a token of one listing in the other', async () => {
      for (let i = 0; i < 3; i += 1) {
        const id = `${jobId}-${i}`;
        await service.createJob({ jobId: id, body: methodBody({ jobId: id }) });
      }
      const forged = ['forged', Buffer.from('{"nextPartitionKey":"x"}').toString('base64'), '0:', '1:'];
      for (const continuationToken of forged) {
        await expect(service.queryJobs({ maxItemCount: 1, continuationToken })).rejects.toThrow(
          /continuationToken/,
        );
        await expect(
          service.queryDeviceJobs({ query: 'SELECT * FROM devices.jobs', continuationToken }),
        ).rejects.toThrow(/continuationToken/);
      }
      const issued = (await service.queryJobs({ maxItemCount: 1 })).continuationToken ?? '';
      expect(issued).not.toBe('');
      await expect(
        service.queryDeviceJobs({ query: 'SELECT * FROM devices.jobs', continuationToken: issued }),
      ).rejects.toThrow(JobValidationError);
    });

    it('rejects unknown filters and page sizes as ArgumentInvalid', async () => {
      await expect(service.queryJobs({ jobType: 'export' })).rejects.toThrow('jobType');
      await expect(service.queryJobs({ jobStatus: 'sleeping' })).rejects.toThrow('jobStatus');
      await expect(service.queryJobs({ maxItemCount: '0' })).rejects.toThrow(JobValidationError);
      await expect(
        service.queryDeviceJobs({ query: 'SELECT * FROM devices.jobs', maxItemCount: '-1' }),
      ).rejects.toThrow(JobValidationError);
    });

    it('answers SELECT * FROM devices.jobs queries, filtering on any DeviceJob field', async () => {
      const gateway = new ScriptedGateway(fleet.slice(0, 12), {
        'dev-03': { kind: 'throw', code: 'DeviceNotOnline', message: 'offline' },
        'dev-07': { kind: 'throw', code: 'GatewayTimeout', message: 'slow' },
      });
      const first = jobId;
      const second = `${jobId}-b`;
      for (const id of [first, second]) {
        await service.createJob({ jobId: id, body: { ...methodBody(), jobId: id } });
        await markJobRunning(storage, { jobId: id, runStartedTime: T0.toISOString() });
        await runJobDevices(execution(gateway), {
          jobId: id,
          deadline: '2026-11-26T07:00:00Z',
          maxDevicesInFlight: 5,
          shardSize: 5,
          cursor: START_CURSOR,
        });
      }
      const failed = await service.queryDeviceJobs({
        query: `SELECT * FROM devices.jobs WHERE devices.jobs.jobId = '${first}' AND devices.jobs.status = 'failed'`,
      });
      expect(failed.items.map((r) => [r.deviceId, r.error?.code]).sort()).toEqual([
        ['dev-03', 'DeviceNotOnline'],
        ['dev-07', 'GatewayTimeout'],
      ]);
      const byCode = await service.queryDeviceJobs({
        query: `SELECT * FROM devices.jobs WHERE devices.jobs.jobId = '${second}' AND devices.jobs.error.code = 'GatewayTimeout'`,
      });
      expect(byCode.items.map((r) => r.deviceId)).toEqual(['dev-07']);

      const both: string[] = [];
      let token: string | undefined;
      do {
        const page = await service.queryDeviceJobs({
          query: `SELECT * FROM devices.jobs WHERE devices.jobs.jobId IN ['${first}', '${second}'] AND devices.jobs.deviceId = 'dev-03'`,
          maxItemCount: 1,
          continuationToken: token,
        });
        both.push(...page.items.map((r) => `${r.jobId}/${r.deviceId}/${r.status}`));
        token = page.continuationToken;
      } while (token);
      expect(both.sort()).toEqual([`${first}/dev-03/failed`, `${second}/dev-03/failed`].sort());

      const parsed = await service.queryDeviceJobs({
        query: parseQuery(`SELECT * FROM devices.jobs WHERE jobId = '${second}' AND status = 'failed'`),
      });
      expect(parsed.items.map((r) => r.deviceId).sort()).toEqual(['dev-03', 'dev-07']);

      const top = await service.queryDeviceJobs({
        query: `SELECT TOP 3 * FROM devices.jobs WHERE jobId = '${first}'`,
      });
      expect(top.items).toHaveLength(3);
      expect(top.continuationToken).toBeUndefined();
    });

    it.each([
      ['a projection', 'SELECT deviceId FROM devices.jobs'],
      ['another collection', 'SELECT * FROM devices'],
      ['a syntax error', 'SELECT * FROM devices.jobs WHERE jobId = '],
    ])('rejects a device job query with %s as ArgumentInvalid', async (_name, query) => {
      await expect(service.queryDeviceJobs({ query })).rejects.toMatchObject({
        code: 'ArgumentInvalid',
        field: 'query',
      });
    });

    it('pages device results with continuation tokens', async () => {
      const gateway = new ScriptedGateway(fleet);
      await service.createJob({ jobId, body: methodBody() });
      await markJobRunning(storage, { jobId, runStartedTime: T0.toISOString() });
      await run(gateway);
      const seen: string[] = [];
      let token: string | undefined;
      do {
        const page = await service.queryDeviceJobs({
          query: `SELECT * FROM devices.jobs WHERE jobId = '${jobId}'`,
          maxItemCount: 7,
          continuationToken: token,
        });
        expect(page.items.length).toBeLessThanOrEqual(7);
        seen.push(...page.items.map((r) => r.deviceId));
        token = page.continuationToken;
      } while (token);
      expect(seen.sort()).toEqual(fleet);
    });
  });
}

function bind(jobs: JobRepository): JobRepository {
  return {
    create: (job) => jobs.create(job),
    get: (id) => jobs.get(id),
    update: (job, etag) => jobs.update(job, etag),
    delete: (id) => jobs.delete(id),
    query: (filter, page) => jobs.query(filter, page),
    countActive: (limit) => jobs.countActive(limit),
    writeShardCounters: (id, shard, counters) => jobs.writeShardCounters(id, shard, counters),
    markShardsAttempted: (id, shards) => jobs.markShardsAttempted(id, shards),
    listShardStates: (id) => jobs.listShardStates(id),
    deleteShardCounters: (id) => jobs.deleteShardCounters(id),
    getStatistics: (id) => jobs.getStatistics(id),
    getWithStatistics: (id) => jobs.getWithStatistics(id),
    leaseEngine: (id, holder, expiresAt) => jobs.leaseEngine(id, holder, expiresAt),
    releaseEngine: (id, holder) => jobs.releaseEngine(id, holder),
  };
}

export type { DeviceBehaviour };
