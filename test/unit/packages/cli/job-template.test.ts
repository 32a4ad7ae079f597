import { buildJobTemplate, type JobTemplateOptions, waveSpec } from '../../../../packages/cli/job-template';
import { startTime } from '../../../../packages/cli/option-parsers';

const base: JobTemplateOptions = {
  abortOn: 'all',
  abortAction: 'cancel',
  retryOn: 'all',
  rampOn: 'succeeded',
  countMethodErrors: true,
};

describe('buildJobTemplate', () => {
  test('a method job by query with every control maps to the job API fields', () => {
    expect(
      buildJobTemplate({
        ...base,
        method: 'reboot',
        payload: { delay: 5 },
        responseTimeout: 30,
        query: "tags.building = '43'",
        maxExecutionTime: 600,
        maxPerMinute: 100,
        maxConcurrency: 10,
        abortFailedPercent: 12.5,
        abortMinExecuted: 40,
        abortOn: 'timedOut',
        retries: 2,
      }),
    ).toEqual({
      type: 'scheduleDeviceMethod',
      cloudToDeviceMethod: { methodName: 'reboot', payload: { delay: 5 }, responseTimeoutInSeconds: 30 },
      queryCondition: "tags.building = '43'",
      maxExecutionTimeInSeconds: 600,
      rolloutConfig: { maximumPerMinute: 100, maxConcurrency: 10 },
      abortConfig: {
        criteriaList: [
          {
            failureType: 'timedOut',
            action: 'cancel',
            thresholdPercentage: 12.5,
            minNumberOfExecutedDevices: 40,
          },
        ],
      },
      retryConfig: { criteriaList: [{ failureType: 'all', numberOfRetries: 2 }] },
      countMethodErrorsAsFailures: true,
    });
  });

  test("--no-count-method-errors keeps IoT Hub's counting (the field is not sent)", () => {
    const template = buildJobTemplate({ ...base, method: 'reboot', query: '*', countMethodErrors: false });
    expect(template).not.toHaveProperty('countMethodErrorsAsFailures');
  });

  test('a twin job by ids sends only what was given', () => {
    expect(buildJobTemplate({ ...base, twinPatch: { tags: { a: 1 } }, deviceIds: ['d1', 'd2'] })).toEqual({
      type: 'scheduleUpdateTwin',
      updateTwin: { tags: { a: 1 } },
      deviceIds: ['d1', 'd2'],
    });
    expect(buildJobTemplate({ ...base, method: 'm', deviceIdsFile: ['x'] })).toMatchObject({
      cloudToDeviceMethod: { methodName: 'm', payload: null },
      deviceIds: ['x'],
    });
  });

  test('an exponential rollout: base rate, factor and the counter that raises it', () => {
    const ramp = {
      method: 'm',
      query: '*',
      maxPerMinute: 1000,
      rampBaseRate: 10,
      rampFactor: 2,
      rampEvery: 50,
    };
    expect(buildJobTemplate({ ...base, ...ramp }).rolloutConfig).toEqual({
      maximumPerMinute: 1000,
      exponentialRate: {
        baseRatePerMinute: 10,
        incrementFactor: 2,
        rateIncreaseCriteria: { numberOfSucceededDevices: 50 },
      },
    });
    expect(
      buildJobTemplate({ ...base, ...ramp, rampOn: 'notified' }).rolloutConfig?.exponentialRate,
    ).toMatchObject({
      rateIncreaseCriteria: { numberOfNotifiedDevices: 50 },
    });
  });

  test.each([
    [{ query: '*' }, /--method NAME or --twin-patch/],
    [
      { method: 'm', query: '*', rampBaseRate: 10, rampFactor: 2 },
      /--ramp-base-rate, --ramp-factor and --ramp-every go together/,
    ],
    [{ method: 'm', twinPatch: {}, query: '*' }, /either --method or --twin-patch/],
    [{ twinPatch: {}, payload: 1, query: '*' }, /--payload apply to --method jobs only/],
    [{ method: 'm' }, /Say which devices/],
    [{ method: 'm', query: '*', deviceIds: ['a'] }, /Give one of --query, --device-ids, not several/],
    [{ method: 'm', query: '*', abortMinExecuted: 3 }, /go together/],
  ])('refuses %j', (options, message) => {
    expect(() => buildJobTemplate({ ...base, ...options })).toThrow(message);
  });
});

describe('startTime', () => {
  const now = () => Date.parse('2026-12-01T00:00:00.000Z');

  test.each([
    ['+30s', '2026-12-01T00:00:30.000Z'],
    ['+10m', '2026-12-01T00:10:00.000Z'],
    ['+2h', '2026-12-01T02:00:00.000Z'],
    ['+1d', '2026-12-02T00:00:00.000Z'],
    ['2026-12-24T18:00:00+01:00', '2026-12-24T18:00:00+01:00'],
  ])('%s → %s', (value, expected) => {
    expect(startTime(value, now)).toBe(expected);
  });

  test.each(['10m', '+10y', 'tomorrow', '2026-13-45T00:00:00Z'])('refuses %s', (value) => {
    expect(() => startTime(value, now)).toThrow(/ISO-8601/);
  });
});

describe('--wave', () => {
  test('reads name:size:threshold:then, a count or a share, into rolloutConfig.waves in order', () => {
    const waves = [waveSpec('canary:10:90:pause'), waveSpec('half:50%:95.5:continue')];
    expect(buildJobTemplate({ ...base, method: 'm', query: '*', wave: waves }).rolloutConfig).toEqual({
      waves: [
        { name: 'canary', deviceCount: 10, successThresholdPercentage: 90, then: 'pause' },
        { name: 'half', devicePercentage: 50, successThresholdPercentage: 95.5, then: 'continue' },
      ],
    });
  });

  test.each(['canary', 'canary:10:90', 'canary:ten:90:pause', 'canary:10:90:wait', ':10:90:pause'])(
    'refuses %s',
    (value) => {
      expect(() => waveSpec(value)).toThrow(/name:size:threshold:then/);
    },
  );
});

describe('maintenance windows and continuous targeting', () => {
  test('--window/--window-minutes/--time-zone/--window-end and --continuous map to the extension fields', () => {
    expect(
      buildJobTemplate({
        ...base,
        method: 'reboot',
        query: "tags.site = 'b'",
        continuous: true,
        window: ['0 0 2 * * *', '0 0 14 * * 6'],
        windowMinutes: 90,
        timeZone: 'Europe/Berlin',
        windowEnd: 'cancel',
      }),
    ).toMatchObject({
      targetSelection: 'continuous',
      schedulingConfig: {
        timeZone: 'Europe/Berlin',
        maintenanceWindows: [
          { schedule: '0 0 2 * * *', durationInMinutes: 90 },
          { schedule: '0 0 14 * * 6', durationInMinutes: 90 },
        ],
        endBehavior: 'cancel',
      },
    });
  });

  test('defaults UTC and stopRollout; refuses a window without minutes and window flags without a window', () => {
    expect(
      buildJobTemplate({ ...base, method: 'reboot', query: '*', window: ['0 0 2 * * *'], windowMinutes: 60 }),
    ).toMatchObject({
      schedulingConfig: { timeZone: 'UTC', endBehavior: 'stopRollout' },
    });
    expect(() =>
      buildJobTemplate({ ...base, method: 'reboot', query: '*', window: ['0 0 2 * * *'] }),
    ).toThrow('--window needs --window-minutes.');
    expect(() => buildJobTemplate({ ...base, method: 'reboot', query: '*', windowEnd: 'cancel' })).toThrow(
      '--window-minutes and --window-end need --window.',
    );
    expect(buildJobTemplate({ ...base, method: 'reboot', query: '*', timeZone: 'UTC' })).not.toHaveProperty(
      'schedulingConfig',
    );
  });
});

describe("the contract's schemas check the body before it is sent", () => {
  const method = { ...base, method: 'reboot', query: '*' };
  const ramp = { rampBaseRate: 10, rampFactor: 2, rampEvery: 5 };

  test.each<[string, Partial<JobTemplateOptions>, string]>([
    [
      'a concurrency cap',
      { maxConcurrency: 10_001 },
      'rolloutConfig.maxConcurrency: must be an integer from 1 to 10000',
    ],
    [
      'a rate',
      { maxPerMinute: 1_000_001 },
      'rolloutConfig.maximumPerMinute: must be an integer from 1 to 1000000',
    ],
    ['a ramp without a maximum', ramp, 'rolloutConfig.maximumPerMinute: is required with exponentialRate'],
    [
      'a ramp factor',
      { ...ramp, maxPerMinute: 100, rampFactor: 6 },
      'rolloutConfig.exponentialRate.incrementFactor: must be a number from 1.1 to 5',
    ],
    [
      'a base rate above the maximum',
      { ...ramp, maxPerMinute: 5 },
      'rolloutConfig.exponentialRate.baseRatePerMinute: must not exceed maximumPerMinute (5)',
    ],
    [
      "a wave named 'remaining'",
      { wave: [waveSpec('remaining:10:90:pause')] },
      "rolloutConfig.waves[0].name: must be 1-64 letters, digits, '-', '_' or '.' starting with a letter or digit, and not 'remaining'",
    ],
    [
      'two waves of one name',
      { wave: [waveSpec('a:10:90:pause'), waveSpec('a:50%:90:continue')] },
      "rolloutConfig.waves[1].name: 'a' names two waves",
    ],
    [
      'a wave share',
      { wave: [waveSpec('a:101%:90:pause')] },
      'rolloutConfig.waves[0].devicePercentage: must be a number from 1 to 100',
    ],
    [
      'retries',
      { retries: 11 },
      'retryConfig.criteriaList[0].numberOfRetries: must be an integer from 0 to 10',
    ],
    [
      'a device id',
      { query: undefined, deviceIds: ['ok', 'not/ok'] },
      "deviceIds[1]: is not a valid device id: it must be 1 to 128 characters of letters, digits and - . % _ * ? ! ( ) , : = @ $ '",
    ],
  ])('%s', (_what, options, message) => {
    expect(() => buildJobTemplate({ ...method, ...options })).toThrow(`${message} (nothing was sent)`);
  });
});

describe('--until and --until-timeout', () => {
  test('make the job completionCondition', () => {
    const template = buildJobTemplate({
      ...base,
      twinPatch: { properties: { desired: { firmware: '2.1.0' } } },
      query: '*',
      until: "properties.reported.firmware = '2.1.0'",
      untilTimeout: 600,
    });
    expect(template.completionCondition).toEqual({
      condition: "properties.reported.firmware = '2.1.0'",
      timeoutInSeconds: 600,
    });
  });

  test('go together', () => {
    expect(() => buildJobTemplate({ ...base, method: 'reboot', query: '*', until: 'tags.x = 1' })).toThrow(
      '--until and --until-timeout go together.',
    );
  });
});
