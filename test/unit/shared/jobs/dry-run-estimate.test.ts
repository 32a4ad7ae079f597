import {
  CALL_OVERHEAD_SECONDS,
  devicePhaseSeconds,
  expectedDeviceCost,
  type DeviceTiming,
} from '../../../../shared/jobs/core/job-estimate';
import {
  TargetSample,
  WAVE_GAP_SECONDS,
  estimateJob,
  totalSeconds,
  type EstimateDependencies,
} from '../../../../shared/jobs/service/dry-run-estimate';
import type { DeviceJobRecord, JobDefinition, JobRecord } from '../../../../shared/jobs/core/job-model';
import { blendedObservation, slowdownOf } from '../../../../shared/jobs/core/job-observation';

const quick = (latencySeconds: number): DeviceTiming => ({
  latencySeconds,
  failureRate: 0,
  timeoutRate: 0,
  timeoutSeconds: 0,
});

const methodJob = (extra: Partial<JobDefinition> = {}): JobDefinition => ({
  jobId: 'planned',
  type: 'scheduleDeviceMethod',
  cloudToDeviceMethod: {
    methodName: 'update',
    payload: null,
    responseTimeoutInSeconds: 10,
    connectTimeoutInSeconds: 0,
  },
  targets: { kind: 'query', queryCondition: '*' },
  startTime: '2026-01-01T00:00:00Z',
  maxExecutionTimeInSeconds: 3600,
  ...extra,
});

describe('a device’s expected cost', () => {
  it('is one call for a device that answers', () => {
    const cost = expectedDeviceCost(quick(0.2));
    expect(cost.calls).toBe(1);
    expect(cost.seconds).toBeCloseTo(0.2 + CALL_OVERHEAD_SECONDS);
  });

  it('adds the expected retries and their back-offs for flaky devices', () => {
    const flaky = { ...quick(0.1), failureRate: 0.5 };
    const retries = { criteriaList: [{ failureType: 'failed' as const, numberOfRetries: 2 }] };
    const cost = expectedDeviceCost(flaky, retries);
    // Attempts 1, 2 (p ½), 3 (p ¼): 1.75 calls; back-offs 0.5 s (p ½) and 1 s (p ¼).
    expect(cost.calls).toBeCloseTo(1.75);
    expect(cost.seconds).toBeCloseTo(1.75 * (0.1 + CALL_OVERHEAD_SECONDS) + 0.5 * 0.5 + 0.25 * 1);
    // Without a retry criterion for its failure type, one call.
    const timedOutOnly = { criteriaList: [{ failureType: 'timedOut' as const, numberOfRetries: 3 }] };
    expect(expectedDeviceCost(flaky, timedOutOnly).calls).toBe(1);
  });

  it('costs an offline device every retry it is given, at no latency', () => {
    const offline = { latencySeconds: 0, failureRate: 0, timeoutRate: 1, timeoutSeconds: 0 };
    const cost = expectedDeviceCost(offline, {
      criteriaList: [{ failureType: 'all', numberOfRetries: 3 }],
    });
    expect(cost.calls).toBe(4);
    expect(cost.seconds).toBeCloseTo(4 * CALL_OVERHEAD_SECONDS + 0.5 + 1 + 2);
  });
});

describe('the device phase', () => {
  it('fills a sliding window with devices of different times', () => {
    // Two slots: 1 s and 0.1 s devices alternate; the short ones keep reusing the free slot.
    const phase = devicePhaseSeconds({
      deviceCount: 4,
      concurrency: 2,
      deviceSeconds: (index) => (index === 0 ? 1 : 0.1),
    });
    expect(phase).toBeCloseTo(1);
  });

  it('keeps to the budget share, counting every call a device makes', () => {
    const phase = devicePhaseSeconds({
      deviceCount: 101,
      concurrency: 1000,
      deviceSeconds: 0,
      calls: () => 2,
      operationsPerSecond: 20,
    });
    // 100 intervals of 2 calls at 20 calls a second.
    expect(phase).toBeCloseTo(10);
  });
});

describe('estimating a job from its targets', () => {
  const profiles = (
    timing: (deviceId: string) => DeviceTiming | undefined,
  ): EstimateDependencies['timings'] => ({
    deviceTimings: (ids) =>
      Promise.resolve(
        new Map(ids.flatMap((id) => (timing(id) ? [[id, timing(id) as DeviceTiming] as const] : []))),
      ),
  });
  const ids = (count: number, prefix = 'd') => Array.from({ length: count }, (_, i) => `${prefix}-${i}`);

  it('uses the targets’ profiles, not the last job of the type (300 devices of 0.2 s, 20 at a time)', async () => {
    const terms = await estimateJob(
      {
        timings: profiles(() => quick(0.2)),
        // The last job of the type was flaky devices with back-offs: 2.5 s a device.
        observations: {
          latest: () =>
            Promise.resolve({ jobId: 'flaky', observedAt: '', meanDeviceSeconds: 2.5, overheadSeconds: 1 }),
          record: () => Promise.resolve(),
        },
      },
      methodJob({ rolloutConfig: { maxConcurrency: 20 } }),
      300,
      ids(300),
      20,
    );
    expect(terms.devicePhaseSeconds).toBeCloseTo(15 * (0.2 + CALL_OVERHEAD_SECONDS));
    expect(totalSeconds(terms)).toBeCloseTo(1 + 3.06, 1);
  });

  it('takes each device’s recent results where it has no profile, the type’s mean where it has none', async () => {
    const row = (deviceId: string, seconds: number): DeviceJobRecord => ({
      jobId: `old-${deviceId}`,
      deviceId,
      jobType: 'scheduleDeviceMethod',
      shard: 0,
      status: 'completed',
      createdDateTimeUtc: '2026-01-01T00:00:00Z',
      lastUpdatedDateTimeUtc: '2026-01-01T00:00:00Z',
      startTimeUtc: '2026-01-01T00:00:00.000Z',
      endTimeUtc: new Date(Date.parse('2026-01-01T00:00:00Z') + seconds * 1000).toISOString(),
      attempts: 1,
    });
    const terms = await estimateJob(
      {
        timings: profiles((id) => (id === 'sim' ? quick(1) : undefined)),
        deviceJobs: {
          query: (filter) => Promise.resolve({ items: filter.deviceId === 'real' ? [row('real', 3)] : [] }),
        },
        observations: {
          latest: () =>
            Promise.resolve({ jobId: 'x', observedAt: '', meanDeviceSeconds: 5, overheadSeconds: 0 }),
          record: () => Promise.resolve(),
        },
      },
      methodJob(),
      3,
      ['sim', 'real', 'new'],
      1,
    );
    // A result's duration already holds the service's time per call: the real device's 3 s are 3 s.
    expect(terms.devicePhaseSeconds).toBeCloseTo(1 + 3 + 5 + CALL_OVERHEAD_SECONDS);
  });

  it('reads the recent results of devices spread over the targets, not only the first ones', async () => {
    // The first devices of the last job ran while the service warmed up: 1 s each; the others 0.1 s.
    const history = (deviceId: string): DeviceJobRecord[] => {
      const seconds = Number(deviceId.slice(2)) < 10 ? 1 : 0.1;
      return [
        {
          jobId: 'last',
          deviceId,
          jobType: 'scheduleUpdateTwin',
          shard: 0,
          status: 'completed',
          createdDateTimeUtc: '2026-01-01T00:00:00Z',
          lastUpdatedDateTimeUtc: '2026-01-01T00:00:00Z',
          startTimeUtc: '2026-01-01T00:00:00.000Z',
          endTimeUtc: new Date(Date.parse('2026-01-01T00:00:00Z') + seconds * 1000).toISOString(),
          attempts: 1,
        },
      ];
    };
    const read: string[] = [];
    const terms = await estimateJob(
      {
        deviceJobs: {
          query: (filter) => {
            read.push(filter.deviceId ?? '');
            return Promise.resolve({ items: history(filter.deviceId ?? '') });
          },
        },
      },
      methodJob({ type: 'scheduleUpdateTwin', cloudToDeviceMethod: undefined, updateTwin: { tags: {} } }),
      100,
      ids(100),
      1,
    );
    expect(read).toEqual(Array.from({ length: 10 }, (_, i) => `d-${i * 10}`));
    // One of the ten read was a warm-up device: 0.19 s on average, not 1 s.
    expect(terms.devicePhaseSeconds).toBeCloseTo(100 * 0.19);
  });

  it('stretches the calls by the service’s observed slowdown, not the back-offs between retries', async () => {
    const flaky = { ...quick(0.1), failureRate: 0.5 };
    const terms = await estimateJob(
      {
        timings: profiles(() => flaky),
        observations: {
          latest: () =>
            Promise.resolve({
              jobId: 'slow',
              observedAt: '',
              meanDeviceSeconds: 1,
              overheadSeconds: 0,
              slowdown: 2,
            }),
          record: () => Promise.resolve(),
        },
      },
      methodJob({
        countMethodErrorsAsFailures: true,
        retryConfig: { criteriaList: [{ failureType: 'failed', numberOfRetries: 2 }] },
      }),
      1,
      ['d-0'],
      1,
    );
    // 1.75 calls at twice their time; back-offs of 0.5 s (p ½) and 1 s (p ¼) as they are.
    expect(terms.devicePhaseSeconds).toBeCloseTo(2 * 1.75 * (0.1 + CALL_OVERHEAD_SECONDS) + 0.25 + 0.25);
  });

  it('retries error answers only when the job counts them as failures (IoT Hub counts them completed)', async () => {
    const flaky = { ...quick(0.1), failureRate: 0.5 };
    const retryConfig = { criteriaList: [{ failureType: 'all' as const, numberOfRetries: 2 }] };
    const deps = { timings: profiles(() => flaky) };
    const completed = await estimateJob(deps, methodJob({ retryConfig }), 1, ['d-0'], 1);
    expect(completed.devicePhaseSeconds).toBeCloseTo(0.1 + CALL_OVERHEAD_SECONDS);
    const counted = await estimateJob(
      deps,
      methodJob({ retryConfig, countMethodErrorsAsFailures: true }),
      1,
      ['d-0'],
      1,
    );
    expect(counted.devicePhaseSeconds).toBeCloseTo(1.75 * (0.1 + CALL_OVERHEAD_SECONDS) + 0.25 + 0.25);
  });

  it('runs waves one after the other and splits the budget with the running jobs', async () => {
    const waves = methodJob({
      rolloutConfig: {
        waves: [{ name: 'canary', deviceCount: 10, successThresholdPercentage: 90, then: 'continue' }],
      },
    });
    const deps = { timings: profiles(() => quick(1)) };
    const waved = await estimateJob(deps, waves, 20, ids(20), 10);
    expect(waved.devicePhaseSeconds).toBeCloseTo(2 * (1 + CALL_OVERHEAD_SECONDS));
    // One gap between the two waves: half the (default, 2 s) observed overhead, at least WAVE_GAP_SECONDS.
    expect(waved.waveGapSeconds).toBe(Math.max(WAVE_GAP_SECONDS, 1));

    const budget = {
      operationsPerSecond: 20,
      join: () => Promise.reject(new Error('not in a dry run')),
      running: () => Promise.resolve([{ jobId: 'other', priority: 5 }]),
    };
    const shared = await estimateJob(
      { timings: profiles(() => quick(0)), budget },
      methodJob({ priority: 5 }),
      101,
      ids(101),
      100,
    );
    // Half of 20 calls a second: 100 intervals of 0.1 s.
    expect(shared.devicePhaseSeconds).toBeCloseTo(10, 1);
  });
});

describe('the target sample', () => {
  it('stays even across the targets and bounded', () => {
    const sample = new TargetSample(10);
    for (let i = 0; i < 1000; i += 1) sample.add(`d-${i}`);
    expect(sample.ids.length).toBeLessThanOrEqual(10);
    expect(sample.ids.length).toBeGreaterThanOrEqual(5);
    expect(sample.ids[0]).toBe('d-0');
    const positions = sample.ids.map((id) => Number(id.slice(2)));
    const gaps = new Set(positions.slice(1).map((position, index) => position - (positions[index] ?? 0)));
    expect(gaps.size).toBe(1);
  });
});

describe('learning the service’s pace from a finished job', () => {
  const job: JobRecord = {
    jobId: 'done',
    type: 'scheduleDeviceMethod',
    status: 'completed',
    cloudToDeviceMethod: {
      methodName: 'update',
      payload: null,
      responseTimeoutInSeconds: 10,
      connectTimeoutInSeconds: 0,
    },
    createdTime: '2026-01-01T00:00:00Z',
    startTime: '2026-01-01T00:00:00Z',
    maxExecutionTimeInSeconds: 3600,
  };
  const ran = (deviceId: string, seconds: number, attempts = 1): DeviceJobRecord => ({
    jobId: 'done',
    deviceId,
    jobType: 'scheduleDeviceMethod',
    shard: 0,
    status: 'completed',
    createdDateTimeUtc: '2026-01-01T00:00:00Z',
    lastUpdatedDateTimeUtc: '2026-01-01T00:00:00Z',
    startTimeUtc: '2026-01-01T00:00:01.000Z',
    endTimeUtc: new Date(Date.parse('2026-01-01T00:00:01Z') + seconds * 1000).toISOString(),
    attempts,
  });

  it('compares each device with its profile for the attempts it made', async () => {
    const gateway = {
      deviceTimings: (ids: readonly string[]) =>
        Promise.resolve(new Map(ids.map((id) => [id, quick(0.2 - CALL_OVERHEAD_SECONDS)] as const))),
    };
    // Calls twice the profile's time, one device after a retry: two calls and a 0.5 s back-off, which is a timer
    // the load does not stretch.
    const slowdown = await slowdownOf(gateway, job, [ran('a', 0.4), ran('b', 0.4 + 0.4 + 0.5, 2)]);
    expect(slowdown).toBeCloseTo(2);
    expect(await slowdownOf({}, job, [ran('a', 0.4)])).toBeUndefined();
  });

  it('moves the pace figures half way to the last job’s', () => {
    const previous = { jobId: 'p', observedAt: '', meanDeviceSeconds: 1, overheadSeconds: 4, slowdown: 3 };
    const next = { jobId: 'n', observedAt: '', meanDeviceSeconds: 0.2, overheadSeconds: 2, slowdown: 1 };
    expect(blendedObservation(previous, next)).toEqual({ ...next, overheadSeconds: 3, slowdown: 2 });
    expect(blendedObservation(undefined, next)).toBe(next);
  });
});
