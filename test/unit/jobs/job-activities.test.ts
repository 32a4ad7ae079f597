import { InvocationContext } from '@azure/functions';
import { createFinalizeJobActivity } from '../../../functions/durable/finalize-job.activity';
import { createMarkJobRunningActivity } from '../../../functions/durable/mark-job-running.activity';
import { createResolveTargetsActivity } from '../../../functions/durable/resolve-job-targets.activity';
import { createRunShardActivity } from '../../../functions/durable/run-job-shard.activity';
import type { JobRecord } from '../../../shared/jobs/job-model';
import {
  InMemoryDeviceIdLists,
  InMemoryDeviceJobs,
  InMemoryJobRepository,
  ManualClock,
  ScriptedGateway,
} from './support/in-memory-ports';

const context = new InvocationContext({ functionName: 'activity' });

function setup() {
  const deps = {
    jobs: new InMemoryJobRepository(),
    deviceIdLists: new InMemoryDeviceIdLists(),
    deviceJobs: new InMemoryDeviceJobs(),
    gateway: new ScriptedGateway(['a', 'b', 'c']),
    clock: new ManualClock(new Date('2026-11-26T06:00:00.000Z')),
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
  return { deps, job };
}

describe('job activities', () => {
  it('run the execution steps over their ports, in orchestration order', async () => {
    const { deps, job } = setup();
    await deps.jobs.create(job);
    expect(
      await createMarkJobRunningActivity(deps)(
        { jobId: 'j', runStartedTime: '2026-11-26T06:00:00.000Z' },
        context,
      ),
    ).toEqual({
      proceed: true,
      status: 'running',
    });
    expect(await createResolveTargetsActivity(deps)({ jobId: 'j', shardSize: 2 }, context)).toEqual({
      deviceCount: 3,
      shards: [
        { shard: 0, deviceCount: 2 },
        { shard: 1, deviceCount: 1 },
      ],
    });
    const shard = await createRunShardActivity(deps)(
      { jobId: 'j', shard: 1, deadline: '2026-11-26T06:01:00.000Z', devicesInFlight: 2 },
      context,
    );
    expect(shard).toEqual({
      shard: 1,
      counters: { pending: 0, running: 0, succeeded: 1, failed: 0, canceled: 0 },
    });
    expect(
      await createFinalizeJobActivity(deps)(
        { jobId: 'j', outcome: 'failed', shardCount: 2, failureReason: 'x' },
        context,
      ),
    ).toEqual({
      status: 'failed',
      endTime: '2026-11-26T06:00:00.000Z',
    });
    expect(await deps.jobs.getStatistics('j')).toEqual({
      deviceCount: 3,
      failedCount: 2,
      succeededCount: 1,
      runningCount: 0,
      pendingCount: 0,
    });
  });

  it.each<[string, () => Promise<unknown>, string]>([
    [
      'a non-object input',
      () => Promise.resolve(createMarkJobRunningActivity(setup().deps)('j', context)),
      'jobMarkRunning: the input must be an object.',
    ],
    [
      'a missing jobId',
      () => Promise.resolve(createResolveTargetsActivity(setup().deps)({ shardSize: 1 }, context)),
      'jobResolveTargets: jobId must be a string.',
    ],
    [
      'a zero shard size',
      () =>
        Promise.resolve(createResolveTargetsActivity(setup().deps)({ jobId: 'j', shardSize: 0 }, context)),
      'jobResolveTargets: shardSize must be an integer ≥ 1.',
    ],
    [
      'a negative shard',
      () =>
        Promise.resolve(
          createRunShardActivity(setup().deps)(
            { jobId: 'j', shard: -1, deadline: 'x', devicesInFlight: 1 },
            context,
          ),
        ),
      'jobRunShard: shard must be an integer ≥ 0.',
    ],
    [
      'an unknown outcome',
      () =>
        Promise.resolve(
          createFinalizeJobActivity(setup().deps)({ jobId: 'j', outcome: 'done', shardCount: 0 }, context),
        ),
      'jobFinalize: outcome must be one of completed, failed, cancelled.',
    ],
  ])('fail loudly on %s', async (_name, run, message) => {
    await expect(run()).rejects.toThrow(message);
  });

  it('fail with JobNotFound for a job that does not exist (so the orchestration retries, then fails it)', async () => {
    const { deps } = setup();
    await expect(
      createRunShardActivity(deps)({ jobId: 'nope', shard: 0, deadline: 'x', devicesInFlight: 1 }, context),
    ).rejects.toThrow("Job 'nope' was not found.");
  });
});
