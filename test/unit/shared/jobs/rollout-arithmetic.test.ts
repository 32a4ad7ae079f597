import { JobValidationError } from '../../../../shared/jobs/core/job-errors';
import {
  devicePhaseSeconds,
  estimateRunSeconds,
  observeFinishedJob,
} from '../../../../shared/jobs/core/job-estimate';
import { normalizeJobRequest } from '../../../../shared/jobs/core/job-request-validation';
import {
  abortReason,
  createRateGate,
  failureTypeOf,
  retriesFor,
  retryDelayMs,
} from '../../../../shared/jobs/core/rollout-policy';
import type { AbortConfig } from '../../../../shared/jobs/core/rollout-config';
import { currentRatePerMinute, startIntervalSeconds } from '../../../../shared/jobs/core/rollout-rate';

const NOW = new Date('2026-11-26T06:00:00.000Z');
const job = (extra: Record<string, unknown>) => ({
  type: 'scheduleDeviceMethod',
  cloudToDeviceMethod: { methodName: 'reboot', payload: null },
  deviceIds: ['a', 'b'],
  ...extra,
});
const normalize = (extra: Record<string, unknown>) =>
  normalizeJobRequest(job(extra), { urlJobId: 'j', now: NOW, parseCondition: (c) => c });

function fieldOf(extra: Record<string, unknown>): string {
  try {
    normalize(extra);
  } catch (error: unknown) {
    if (error instanceof JobValidationError) return error.field;
    throw error;
  }
  throw new Error('expected a JobValidationError');
}

const ramp = {
  maximumPerMinute: 600,
  exponentialRate: {
    baseRatePerMinute: 60,
    incrementFactor: 2,
    rateIncreaseCriteria: { numberOfNotifiedDevices: 10 },
  },
};

describe('rollout, abort and retry validation', () => {
  it('keeps valid controls as given', () => {
    const controls = {
      rolloutConfig: { ...ramp, maxConcurrency: 5 },
      abortConfig: {
        criteriaList: [
          { failureType: 'all', action: 'cancel', thresholdPercentage: 12.5, minNumberOfExecutedDevices: 10 },
        ],
      },
      retryConfig: { criteriaList: [{ failureType: 'timedOut', numberOfRetries: 3 }] },
    };
    expect(normalize(controls)).toMatchObject(controls);
    expect(normalize({ rolloutConfig: null })).not.toHaveProperty('rolloutConfig');
  });

  it.each([
    [{ rolloutConfig: 5 }, 'rolloutConfig'],
    [{ rolloutConfig: { maximumPerMinute: 0 } }, 'rolloutConfig.maximumPerMinute'],
    [{ rolloutConfig: { maximumPerMinute: 1_000_001 } }, 'rolloutConfig.maximumPerMinute'],
    [{ rolloutConfig: { maximumPerMinute: 1.5 } }, 'rolloutConfig.maximumPerMinute'],
    [{ rolloutConfig: { maxConcurrency: 10_001 } }, 'rolloutConfig.maxConcurrency'],
    [{ rolloutConfig: { maxConcurency: 3 } }, 'rolloutConfig.maxConcurency'],
    [{ rolloutConfig: { exponentialRate: ramp.exponentialRate } }, 'rolloutConfig.maximumPerMinute'],
    [
      { rolloutConfig: { ...ramp, exponentialRate: { ...ramp.exponentialRate, incrementFactor: 1.05 } } },
      'rolloutConfig.exponentialRate.incrementFactor',
    ],
    [
      { rolloutConfig: { ...ramp, exponentialRate: { ...ramp.exponentialRate, baseRatePerMinute: 601 } } },
      'rolloutConfig.exponentialRate.baseRatePerMinute',
    ],
    [
      {
        rolloutConfig: {
          ...ramp,
          exponentialRate: {
            ...ramp.exponentialRate,
            rateIncreaseCriteria: { numberOfNotifiedDevices: 1, numberOfSucceededDevices: 1 },
          },
        },
      },
      'rolloutConfig.exponentialRate.rateIncreaseCriteria',
    ],
    [{ abortConfig: { criteriaList: [] } }, 'abortConfig.criteriaList'],
    [
      { abortConfig: { criteriaList: [{ failureType: 'x', action: 'cancel' }] } },
      'abortConfig.criteriaList[0].failureType',
    ],
    [
      {
        abortConfig: {
          criteriaList: [
            { failureType: 'failed', action: 'stop', thresholdPercentage: 1, minNumberOfExecutedDevices: 1 },
          ],
        },
      },
      'abortConfig.criteriaList[0].action',
    ],
    [
      {
        abortConfig: {
          criteriaList: [
            {
              failureType: 'failed',
              action: 'cancel',
              thresholdPercentage: 101,
              minNumberOfExecutedDevices: 1,
            },
          ],
        },
      },
      'abortConfig.criteriaList[0].thresholdPercentage',
    ],
    [
      {
        abortConfig: {
          criteriaList: [
            {
              failureType: 'failed',
              action: 'cancel',
              thresholdPercentage: 5,
              minNumberOfExecutedDevices: 0,
            },
          ],
        },
      },
      'abortConfig.criteriaList[0].minNumberOfExecutedDevices',
    ],
    [
      { retryConfig: { criteriaList: [{ failureType: 'failed', numberOfRetries: 11 }] } },
      'retryConfig.criteriaList[0].numberOfRetries',
    ],
    [
      {
        retryConfig: {
          criteriaList: [
            { failureType: 'failed', numberOfRetries: 1 },
            { failureType: 'failed', numberOfRetries: 2 },
          ],
        },
      },
      'retryConfig.criteriaList[1].failureType',
    ],
  ])('refuses %j naming %s', (extra, field) => {
    expect(fieldOf(extra)).toBe(field);
  });
});

describe('rollout rate arithmetic', () => {
  it('is unlimited without maximumPerMinute and flat with it alone', () => {
    expect(currentRatePerMinute({ maxConcurrency: 3 }, { started: 0, succeeded: 0 })).toBeUndefined();
    expect(startIntervalSeconds({}, { started: 5, succeeded: 5 })).toBe(0);
    expect(currentRatePerMinute({ maximumPerMinute: 120 }, { started: 1000, succeeded: 0 })).toBe(120);
    expect(startIntervalSeconds({ maximumPerMinute: 120 }, { started: 0, succeeded: 0 })).toBe(0.5);
  });

  it('ramps by the factor per N notified devices, capped at the maximum', () => {
    const rate = (started: number) => currentRatePerMinute(ramp, { started, succeeded: 0 });
    expect([rate(0), rate(9), rate(10), rate(19), rate(20), rate(30), rate(40), rate(1000)]).toEqual([
      60, 60, 120, 120, 240, 480, 600, 600,
    ]);
  });

  it('ramps on succeeded devices only when the criterion says so', () => {
    const bySuccess = {
      ...ramp,
      exponentialRate: { ...ramp.exponentialRate, rateIncreaseCriteria: { numberOfSucceededDevices: 5 } },
    };
    expect(currentRatePerMinute(bySuccess, { started: 100, succeeded: 4 })).toBe(60);
    expect(currentRatePerMinute(bySuccess, { started: 100, succeeded: 10 })).toBe(240);
  });
});

describe('duration estimate model', () => {
  it('is waves of the concurrency without a rate', () => {
    expect(devicePhaseSeconds({ deviceCount: 100, concurrency: 10, deviceSeconds: 0.5 })).toBeCloseTo(5);
    expect(devicePhaseSeconds({ deviceCount: 5, concurrency: 10, deviceSeconds: 0.5 })).toBeCloseTo(0.5);
    expect(devicePhaseSeconds({ deviceCount: 0, concurrency: 10, deviceSeconds: 0.5 })).toBe(0);
  });

  it('is the spacing of the rate when the rate is the bottleneck', () => {
    // 61 devices at 60/min: the last starts 60 s after the first, then takes its 0.1 s.
    expect(
      devicePhaseSeconds({
        deviceCount: 61,
        concurrency: 100,
        deviceSeconds: 0.1,
        rollout: { maximumPerMinute: 60 },
      }),
    ).toBeCloseTo(60.1);
  });

  it('follows an exponential ramp', () => {
    // Devices 1–9 start 1 s apart (60/min), 10–19 0.5 s, 20–29 0.25 s, 30–39 0.125 s, 40 0.1 s (the cap).
    const phase = devicePhaseSeconds({ deviceCount: 41, concurrency: 1000, deviceSeconds: 0, rollout: ramp });
    expect(phase).toBeCloseTo(9 + 5 + 2.5 + 1.25 + 0.1);
  });

  it('adds the observed overhead and calibrates it from a finished job', () => {
    const observation = observeFinishedJob({
      jobId: 'done',
      observedAt: NOW.toISOString(),
      runSeconds: 7,
      deviceCount: 100,
      meanDeviceSeconds: 0.5,
      concurrency: 10,
    });
    expect(observation).toMatchObject({ meanDeviceSeconds: 0.5, overheadSeconds: 2 });
    expect(estimateRunSeconds({ deviceCount: 200, concurrency: 10 }, observation)).toBe(12);
    expect(
      observeFinishedJob({
        jobId: 'x',
        observedAt: '',
        runSeconds: 1,
        deviceCount: 0,
        meanDeviceSeconds: 0,
        concurrency: 1,
      }),
    ).toBeUndefined();
  });
});

describe('retry and abort arithmetic', () => {
  const timedOut = { code: 'GatewayTimeout', description: '' };
  const offline = { code: 'DeviceNotOnline', description: '' };
  const refused = { code: 'DeviceMethodFailed', description: '' };

  it('classifies failures and picks the retries of their own criterion before `all`', () => {
    expect([failureTypeOf(timedOut), failureTypeOf(offline), failureTypeOf(refused)]).toEqual([
      'timedOut',
      'timedOut',
      'failed',
    ]);
    const config = {
      criteriaList: [
        { failureType: 'all' as const, numberOfRetries: 1 },
        { failureType: 'timedOut' as const, numberOfRetries: 4 },
      ],
    };
    expect(retriesFor(config, timedOut)).toBe(4);
    expect(retriesFor(config, refused)).toBe(1);
    expect(retriesFor(undefined, refused)).toBe(0);
    expect([1, 2, 3, 4, 5, 6].map(retryDelayMs)).toEqual([500, 1000, 2000, 4000, 8000, 8000]);
  });

  it('aborts once enough devices executed and the share reaches the threshold', () => {
    const config = {
      criteriaList: [
        {
          failureType: 'all' as const,
          action: 'cancel' as const,
          thresholdPercentage: 10,
          minNumberOfExecutedDevices: 80,
        },
      ],
    };
    expect(abortReason(config, { succeeded: 60, failed: 10, timedOut: 2 })).toBeUndefined();
    expect(abortReason(config, { succeeded: 68, failed: 10, timedOut: 2 })).toMatch(
      /^Aborted: 12 of 80 executed devices failed \(15% ≥ 10%/,
    );
    expect(abortReason(config, { succeeded: 79, failed: 1, timedOut: 0 })).toBeUndefined();
    const timedOutOnly: AbortConfig = {
      criteriaList: [
        { failureType: 'timedOut', action: 'cancel', thresholdPercentage: 10, minNumberOfExecutedDevices: 1 },
      ],
    };
    expect(abortReason(timedOutOnly, { succeeded: 1, failed: 5, timedOut: 0 })).toBeUndefined();
    expect(abortReason(timedOutOnly, { succeeded: 2, failed: 0, timedOut: 1 })).toMatch(
      /1 of 3 .* timed out \(33\.3% ≥ 10%/,
    );
  });

  it('spaces starts evenly at the rate, ramping with progress', async () => {
    let clock = 0;
    const starts: number[] = [];
    const gate = createRateGate({
      rollout: { maximumPerMinute: 120 },
      progress: () => ({ started: starts.length, succeeded: 0 }),
      now: () => clock,
      sleep: (ms) => Promise.resolve(void (clock += ms)),
      startedBefore: 0,
    });
    for (let i = 0; i < 4; i += 1) {
      await gate?.();
      starts.push(clock);
    }
    expect(starts).toEqual([0, 500, 1000, 1500]);
    expect(
      createRateGate({
        rollout: {},
        progress: () => ({ started: 0, succeeded: 0 }),
        now: () => 0,
        sleep: () => Promise.resolve(),
        startedBefore: 0,
      }),
    ).toBeUndefined();
  });
});
