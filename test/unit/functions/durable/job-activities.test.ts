import { activityHandler, createJobActivities } from '../../../../functions/durable/job-activities';
import { START_CURSOR } from '../../../../shared/jobs/engine/job-execution';
import type { JobRecord } from '../../../../shared/jobs/core/job-model';
import { DEFAULT_ACTIVITY_LIMITS } from '../../../../shared/jobs/core/job-settings';
import {
  InMemoryDeviceIdLists,
  InMemoryDeviceJobs,
  InMemoryJobRepository,
  ManualClock,
  ScriptedGateway,
  realEngineTime,
} from '../../../support/in-memory-ports';

function setup() {
  const deps = {
    jobs: new InMemoryJobRepository(),
    deviceIdLists: new InMemoryDeviceIdLists(),
    deviceJobs: new InMemoryDeviceJobs(),
    gateway: new ScriptedGateway(['a', 'b', 'c']),
    clock: new ManualClock(new Date('2026-11-26T06:00:00.000Z')),
    ...realEngineTime(),
    limits: DEFAULT_ACTIVITY_LIMITS,
  };
  const job: JobRecord = {
    jobId: 'j',
    type: 'scheduleDeviceMethod',
    status: 'queued',
    createdTime: '2026-11-26T06:00:00.000Z',
    startTime: '2026-11-26T06:00:00.000Z',
    maxExecutionTimeInSeconds: 60,
    queryCondition: '*',
    cloudToDeviceMethod: {
      methodName: 'm',
      payload: null,
      responseTimeoutInSeconds: 30,
      connectTimeoutInSeconds: 0,
    },
  };
  return { deps, job, activities: createJobActivities(deps) };
}

describe('job activities', () => {
  it('run the execution steps over their ports, in orchestration order', async () => {
    const { deps, job, activities } = setup();
    await deps.jobs.create(job);
    const mark = activityHandler(activities, 'jobMarkRunning');
    expect(await mark({ jobId: 'j', runStartedTime: '2026-11-26T06:00:00.000Z' })).toEqual({
      proceed: true,
      status: 'running',
    });
    const run = activityHandler(activities, 'jobRunDevices');
    const step = await run({
      jobId: 'j',
      deadline: '2026-11-26T06:01:00.000Z',
      maxDevicesInFlight: 2,
      shardSize: 2,
      cursor: START_CURSOR,
    });
    expect(step).toEqual({
      done: true,
      cursor: {
        shardCount: 2,
        nextShard: 2,
        targets: { done: true },
        calls: {
          count: 3,
          seconds: 0,
          peakInFlight: 2,
          // The device phase as it happened (the manual clock stands still).
          firstStartMs: Date.parse('2026-11-26T06:00:00.000Z'),
          lastEndMs: Date.parse('2026-11-26T06:00:00.000Z'),
        },
        executed: { succeeded: 3, failed: 0, timedOut: 0 },
      },
    });
    const finalize = activityHandler(activities, 'jobFinalize');
    expect(await finalize({ jobId: 'j', outcome: 'completed', shardSize: 2, cursor: step.cursor })).toEqual({
      done: true,
      status: 'completed',
      endTime: '2026-11-26T06:00:00.000Z',
    });
    expect(await deps.jobs.getStatistics('j')).toEqual({
      deviceCount: 3,
      failedCount: 0,
      succeededCount: 3,
      runningCount: 0,
      pendingCount: 0,
    });
  });

  it.each<[string, (activities: ReturnType<typeof setup>['activities']) => Promise<unknown>, string]>([
    [
      'a non-object input',
      (activities) => activityHandler(activities, 'jobMarkRunning')('j'),
      'jobMarkRunning: the input must be an object.',
    ],
    [
      'a missing jobId',
      (activities) => activityHandler(activities, 'jobRunDevices')({ deadline: 'x' }),
      'jobRunDevices: jobId must be a string.',
    ],
    [
      'a zero window',
      (activities) =>
        activityHandler(activities, 'jobRunDevices')({ jobId: 'j', deadline: 'x', maxDevicesInFlight: 0 }),
      'jobRunDevices: maxDevicesInFlight must be an integer ≥ 1.',
    ],
    [
      'a malformed cursor',
      (activities) =>
        activityHandler(
          activities,
          'jobRunDevices',
        )({
          jobId: 'j',
          deadline: 'x',
          maxDevicesInFlight: 1,
          shardSize: 1,
          cursor: { shardCount: -1, nextShard: 0, targets: { done: true } },
        }),
      'jobRunDevices: cursor.shardCount must be an integer ≥ 0.',
    ],
    [
      'an unknown outcome',
      (activities) =>
        activityHandler(activities, 'jobFinalize')({ jobId: 'j', outcome: 'done', shardSize: 1 }),
      'jobFinalize: outcome must be one of completed, failed, cancelled.',
    ],
  ])('fail loudly on %s', async (_name, run, message) => {
    await expect(run(setup().activities)).rejects.toThrow(message);
  });

  it('fail with JobNotFound for a job that does not exist (so the orchestration retries, then fails it)', async () => {
    const { activities } = setup();
    await expect(
      activityHandler(
        activities,
        'jobRunDevices',
      )({
        jobId: 'nope',
        deadline: 'x',
        maxDevicesInFlight: 1,
        shardSize: 1,
        cursor: START_CURSOR,
      }),
    ).rejects.toThrow("Job 'nope' was not found.");
  });
});
