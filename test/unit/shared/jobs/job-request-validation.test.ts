import { JobValidationError } from '../../../../shared/jobs/core/job-errors';
import {
  jobStatusFromName,
  jobTypeFromName,
  normalizeJobRequest,
} from '../../../../shared/jobs/core/job-request-validation';

const NOW = new Date('2026-11-26T06:00:00.000Z');
const parseCondition = (condition: string) => {
  if (condition.includes('!!')) throw new Error(`Syntax error near '!!' in ${condition}`);
  return condition;
};
const normalize = (body: unknown, urlJobId = 'job-1') =>
  normalizeJobRequest(body, { urlJobId, now: NOW, parseCondition });

const methodJob = (extra: Record<string, unknown> = {}) => ({
  jobId: 'job-1',
  type: 'scheduleDeviceMethod',
  cloudToDeviceMethod: { methodName: 'reboot', payload: { delay: 5 }, responseTimeoutInSeconds: 10 },
  queryCondition: "tags.building = '43'",
  ...extra,
});

function fieldOf(action: () => unknown): string {
  try {
    action();
  } catch (error: unknown) {
    if (error instanceof JobValidationError) {
      expect(error.code).toBe('ArgumentInvalid');
      return error.field;
    }
    throw error;
  }
  throw new Error('expected a JobValidationError');
}

describe('normalizeJobRequest: GA vocabulary', () => {
  it('normalizes a method job with defaults', () => {
    const job = normalize(methodJob());
    expect(job).toEqual({
      jobId: 'job-1',
      type: 'scheduleDeviceMethod',
      cloudToDeviceMethod: {
        methodName: 'reboot',
        payload: { delay: 5 },
        responseTimeoutInSeconds: 10,
        connectTimeoutInSeconds: 0,
      },
      targets: { kind: 'query', queryCondition: "tags.building = '43'" },
      startTime: NOW.toISOString(),
      maxExecutionTimeInSeconds: 3600,
    });
  });

  it('defaults the response timeout to 30 s and the payload to null', () => {
    const job = normalize(methodJob({ cloudToDeviceMethod: { methodName: 'reboot' } }));
    expect(job.cloudToDeviceMethod).toEqual({
      methodName: 'reboot',
      payload: null,
      responseTimeoutInSeconds: 30,
      connectTimeoutInSeconds: 0,
    });
  });

  it('normalizes a twin job, ignoring the fields the SDK sends along', () => {
    const job = normalize({
      jobId: 'job-1',
      type: 'scheduleUpdateTwin',
      updateTwin: { deviceId: null, etag: '*', tags: { floor: 3 }, properties: { desired: { fw: '2.0' } } },
      queryCondition: '*',
      startTime: null,
      maxExecutionTimeInSeconds: 60,
    });
    expect(job.type).toBe('scheduleUpdateTwin');
    expect(job.updateTwin).toEqual({ tags: { floor: 3 }, properties: { desired: { fw: '2.0' } } });
    expect(job.targets).toEqual({ kind: 'query', queryCondition: '*' });
    expect(job.maxExecutionTimeInSeconds).toBe(60);
    expect(job.cloudToDeviceMethod).toBeUndefined();
  });

  it('accepts a body without jobId (the URL names the job)', () => {
    const { jobId: _omitted, ...body } = methodJob();
    expect(normalize(body).jobId).toBe('job-1');
  });

  it('normalizes the start time to UTC ISO-8601', () => {
    expect(normalize(methodJob({ startTime: '2026-11-26T08:30:00+01:00' })).startTime).toBe(
      '2026-11-26T07:30:00.000Z',
    );
    expect(normalize(methodJob({ startTime: '2026-11-26T07:30:00.1234567Z' })).startTime).toBe(
      '2026-11-26T07:30:00.123Z',
    );
  });
});

describe('normalizeJobRequest: preview vocabulary of the seed document', () => {
  it.each([
    ['scheduleDirectRequest', 'scheduleDeviceMethod'],
    ['scheduledDeviceMethod', 'scheduleDeviceMethod'],
    ['SCHEDULEDEVICEMETHOD', 'scheduleDeviceMethod'],
    ['scheduleTwinUpdate', 'scheduleUpdateTwin'],
    ['scheduledUpdateTwin', 'scheduleUpdateTwin'],
  ])('maps type %s to %s', (name, type) => {
    expect(jobTypeFromName(name)).toBe(type);
  });

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])('knows no job type %s', (name) => {
    expect(jobTypeFromName(name)).toBeUndefined();
  });

  it('maps timeoutInSeconds to responseTimeoutInSeconds and deviceIds to targets', () => {
    const job = normalize({
      jobId: 'job-1',
      type: 'scheduleDirectRequest',
      cloudToDeviceMethod: { methodName: 'reboot', payload: {}, timeoutInSeconds: 120 },
      deviceIds: ['d1', 'd2', 'd1'],
    });
    expect(job.type).toBe('scheduleDeviceMethod');
    expect(job.cloudToDeviceMethod?.responseTimeoutInSeconds).toBe(120);
    expect(job.targets).toEqual({ kind: 'deviceIds', deviceIds: ['d1', 'd2'] });
  });

  it('validates timeoutInSeconds under its own name', () => {
    expect(
      fieldOf(() => normalize(methodJob({ cloudToDeviceMethod: { methodName: 'm', timeoutInSeconds: 1 } }))),
    ).toBe('cloudToDeviceMethod.timeoutInSeconds');
  });

  it('accepts 100,000 device ids', () => {
    const deviceIds = Array.from({ length: 100_000 }, (_, i) => `device-${i}`);
    const job = normalize({ ...methodJob({ queryCondition: undefined }), deviceIds });
    expect(job.targets.kind === 'deviceIds' && job.targets.deviceIds.length).toBe(100_000);
  });

  it('maps status filters, pending meaning queued', () => {
    expect(jobStatusFromName('Pending')).toBe('queued');
    expect(jobStatusFromName('RUNNING')).toBe('running');
    expect(jobStatusFromName('canceled')).toBe('cancelled');
    expect(jobStatusFromName('bogus')).toBeUndefined();
  });
});

describe('normalizeJobRequest: each invalid field is named', () => {
  const cases: [string, unknown, string][] = [
    ['a body that is not an object', [1, 2], 'body'],
    ['a body jobId that differs from the URL', methodJob({ jobId: 'other' }), 'jobId'],
    ['a missing type', methodJob({ type: undefined }), 'type'],
    ['an unknown type', methodJob({ type: 'exportDevices' }), 'type'],
    ['a numeric type', methodJob({ type: 3 }), 'type'],
    ['neither queryCondition nor deviceIds', methodJob({ queryCondition: undefined }), 'queryCondition'],
    ['both queryCondition and deviceIds', methodJob({ deviceIds: ['a'] }), 'queryCondition'],
    ['an empty queryCondition', methodJob({ queryCondition: '  ' }), 'queryCondition'],
    ['a queryCondition that is not a string', methodJob({ queryCondition: 42 }), 'queryCondition'],
    ['an unparseable queryCondition', methodJob({ queryCondition: 'tags.x = !!' }), 'queryCondition'],
    ['an empty deviceIds list', methodJob({ queryCondition: undefined, deviceIds: [] }), 'deviceIds'],
    ['deviceIds that is a string', methodJob({ queryCondition: undefined, deviceIds: 'a,b' }), 'deviceIds'],
    [
      'an invalid device id',
      methodJob({ queryCondition: undefined, deviceIds: ['ok', 'bad id'] }),
      'deviceIds[1]',
    ],
    ['a missing method', methodJob({ cloudToDeviceMethod: undefined }), 'cloudToDeviceMethod'],
    ['a method that is a string', methodJob({ cloudToDeviceMethod: 'reboot' }), 'cloudToDeviceMethod'],
    ['a missing methodName', methodJob({ cloudToDeviceMethod: {} }), 'cloudToDeviceMethod.methodName'],
    [
      'a methodName with a space',
      methodJob({ cloudToDeviceMethod: { methodName: 're boot' } }),
      'cloudToDeviceMethod.methodName',
    ],
    [
      'a methodName with $',
      methodJob({ cloudToDeviceMethod: { methodName: '$reboot' } }),
      'cloudToDeviceMethod.methodName',
    ],
    [
      'a methodName with a tab',
      methodJob({ cloudToDeviceMethod: { methodName: 're\tboot' } }),
      'cloudToDeviceMethod.methodName',
    ],
    [
      'a methodName with non-ASCII',
      methodJob({ cloudToDeviceMethod: { methodName: 'rébоot' } }),
      'cloudToDeviceMethod.methodName',
    ],
    [
      'a methodName of 129 characters',
      methodJob({ cloudToDeviceMethod: { methodName: 'm'.repeat(129) } }),
      'cloudToDeviceMethod.methodName',
    ],
    [
      'a payload property name with =',
      methodJob({ cloudToDeviceMethod: { methodName: 'm', payload: { ok: { 'a=b': 1 } } } }),
      'cloudToDeviceMethod.payload.ok',
    ],
    [
      'a payload property name with a space inside an array',
      methodJob({ cloudToDeviceMethod: { methodName: 'm', payload: [{ 'a b': 1 }] } }),
      'cloudToDeviceMethod.payload[0]',
    ],
    [
      'a payload over 128 KB',
      methodJob({ cloudToDeviceMethod: { methodName: 'm', payload: { data: 'x'.repeat(128 * 1024) } } }),
      'cloudToDeviceMethod.payload',
    ],
    [
      'a response timeout of 4 s',
      methodJob({ cloudToDeviceMethod: { methodName: 'm', responseTimeoutInSeconds: 4 } }),
      'cloudToDeviceMethod.responseTimeoutInSeconds',
    ],
    [
      'a response timeout of 301 s',
      methodJob({ cloudToDeviceMethod: { methodName: 'm', responseTimeoutInSeconds: 301 } }),
      'cloudToDeviceMethod.responseTimeoutInSeconds',
    ],
    [
      'a response timeout as a string',
      methodJob({ cloudToDeviceMethod: { methodName: 'm', responseTimeoutInSeconds: '30' } }),
      'cloudToDeviceMethod.responseTimeoutInSeconds',
    ],
    [
      'a fractional response timeout',
      methodJob({ cloudToDeviceMethod: { methodName: 'm', responseTimeoutInSeconds: 7.5 } }),
      'cloudToDeviceMethod.responseTimeoutInSeconds',
    ],
    [
      'a connect timeout of -1 s',
      methodJob({ cloudToDeviceMethod: { methodName: 'm', connectTimeoutInSeconds: -1 } }),
      'cloudToDeviceMethod.connectTimeoutInSeconds',
    ],
    [
      'a connect timeout of 301 s',
      methodJob({ cloudToDeviceMethod: { methodName: 'm', connectTimeoutInSeconds: 301 } }),
      'cloudToDeviceMethod.connectTimeoutInSeconds',
    ],
    ['a twin patch on a method job', methodJob({ updateTwin: { tags: { a: 1 } } }), 'updateTwin'],
    [
      'a method on a twin job',
      methodJob({ type: 'scheduleUpdateTwin', updateTwin: { tags: { a: 1 } } }),
      'cloudToDeviceMethod',
    ],
    [
      'a twin job without a patch',
      methodJob({ type: 'scheduleUpdateTwin', cloudToDeviceMethod: undefined }),
      'updateTwin',
    ],
    ['a startTime that is not ISO-8601', methodJob({ startTime: 'next tuesday' }), 'startTime'],
    ['a startTime without a time zone', methodJob({ startTime: '2026-11-26T08:00:00' }), 'startTime'],
    ['an impossible startTime', methodJob({ startTime: '2026-13-45T08:00:00Z' }), 'startTime'],
    ['a numeric startTime', methodJob({ startTime: 1764140400000 }), 'startTime'],
    ['a 30 February', methodJob({ startTime: '2027-02-30T00:00:00Z' }), 'startTime'],
    ['a 29 February outside a leap year', methodJob({ startTime: '2027-02-29T00:00:00Z' }), 'startTime'],
    ['a 31 April', methodJob({ startTime: '2027-04-31T12:00:00+02:00' }), 'startTime'],
    ['an hour 24', methodJob({ startTime: '2027-01-10T24:00:00Z' }), 'startTime'],
    ['a minute 60', methodJob({ startTime: '2027-01-10T10:60:00Z' }), 'startTime'],
    ['a second 60', methodJob({ startTime: '2027-01-10T10:00:60Z' }), 'startTime'],
    ['a zone offset of +25:00', methodJob({ startTime: '2027-01-10T10:00:00+25:00' }), 'startTime'],
    ['a prototype name as job type', methodJob({ type: '__proto__' }), 'type'],
    ['constructor as job type', methodJob({ type: 'constructor' }), 'type'],
    [
      'a twin patch whose only key is __proto__',
      methodJob({
        type: 'scheduleUpdateTwin',
        cloudToDeviceMethod: undefined,
        updateTwin: JSON.parse('{"tags":{"__proto__":{"x":1}}}') as unknown,
      }),
      'updateTwin.tags',
    ],
    [
      'a __proto__ key deep in desired properties',
      methodJob({
        type: 'scheduleUpdateTwin',
        cloudToDeviceMethod: undefined,
        updateTwin: JSON.parse('{"properties":{"desired":{"a":{"__proto__":1}}}}') as unknown,
      }),
      'updateTwin.properties.desired.a',
    ],
    ['a startTime more than a year ahead', methodJob({ startTime: '2028-01-01T00:00:00Z' }), 'startTime'],
    [
      'a zero maxExecutionTimeInSeconds',
      methodJob({ maxExecutionTimeInSeconds: 0 }),
      'maxExecutionTimeInSeconds',
    ],
    [
      'a negative maxExecutionTimeInSeconds',
      methodJob({ maxExecutionTimeInSeconds: -5 }),
      'maxExecutionTimeInSeconds',
    ],
    [
      'a fractional maxExecutionTimeInSeconds',
      methodJob({ maxExecutionTimeInSeconds: 1.5 }),
      'maxExecutionTimeInSeconds',
    ],
    [
      'a string maxExecutionTimeInSeconds',
      methodJob({ maxExecutionTimeInSeconds: '3600' }),
      'maxExecutionTimeInSeconds',
    ],
    [
      'a maxExecutionTimeInSeconds over 7 days',
      methodJob({ maxExecutionTimeInSeconds: 604_801 }),
      'maxExecutionTimeInSeconds',
    ],
    [
      'a countMethodErrorsAsFailures that is not a boolean',
      methodJob({ countMethodErrorsAsFailures: 'yes' }),
      'countMethodErrorsAsFailures',
    ],
    [
      'countMethodErrorsAsFailures on a twin job',
      methodJob({
        type: 'scheduleUpdateTwin',
        cloudToDeviceMethod: undefined,
        updateTwin: { tags: { a: 1 } },
        countMethodErrorsAsFailures: true,
      }),
      'countMethodErrorsAsFailures',
    ],
  ];
  it.each(cases)('rejects %s', (_name, body, field) => {
    expect(fieldOf(() => normalize(body))).toBe(field);
  });

  it.each(['', 'a/b', 'a b', 'a?b', 'a#b', 'x'.repeat(129), 'é'])('rejects the URL job id %j', (jobId) => {
    expect(fieldOf(() => normalize(methodJob({ jobId: undefined }), jobId))).toBe('jobId');
  });

  it('accepts month ends, zone offsets and twin keys named like Object.prototype members', () => {
    expect(normalize(methodJob({ startTime: '2026-12-31T23:59:59Z' })).startTime).toBe(
      '2026-12-31T23:59:59.000Z',
    );
    expect(normalize(methodJob({ startTime: '2027-02-28T10:00:00-12:00' })).startTime).toBe(
      '2027-02-28T22:00:00.000Z',
    );
    const twinJob = methodJob({
      type: 'scheduleUpdateTwin',
      cloudToDeviceMethod: undefined,
      updateTwin: { tags: { constructor: 'a', toString: { hasOwnProperty: 1 } } },
    });
    expect(normalize(twinJob).updateTwin).toEqual({
      tags: { constructor: 'a', toString: { hasOwnProperty: 1 } },
    });
  });

  it('accepts the documented job id characters and 128 of them', () => {
    expect(normalize(methodJob({ jobId: undefined }), 'Az09-._~').jobId).toBe('Az09-._~');
    expect(normalize(methodJob({ jobId: undefined }), 'j'.repeat(128)).jobId).toHaveLength(128);
  });

  it('accepts the boundary timeouts and maximum execution time', () => {
    const job = normalize(
      methodJob({
        cloudToDeviceMethod: { methodName: 'm', responseTimeoutInSeconds: 300, connectTimeoutInSeconds: 300 },
        maxExecutionTimeInSeconds: 604_800,
      }),
    );
    expect(job.cloudToDeviceMethod?.responseTimeoutInSeconds).toBe(300);
    expect(job.cloudToDeviceMethod?.connectTimeoutInSeconds).toBe(300);
    expect(
      normalize(methodJob({ cloudToDeviceMethod: { methodName: 'm', responseTimeoutInSeconds: 5 } }))
        .cloudToDeviceMethod?.responseTimeoutInSeconds,
    ).toBe(5);
    expect(job.maxExecutionTimeInSeconds).toBe(604_800);
  });

  it('accepts a payload of exactly 128 KB and allowed punctuation in names', () => {
    const filler = 'x'.repeat(128 * 1024 - JSON.stringify({ d: '' }).length);
    expect(() =>
      normalize(
        methodJob({ cloudToDeviceMethod: { methodName: 'fw.update-v2_!*', payload: { d: filler } } }),
      ),
    ).not.toThrow();
  });

  it('does not let a parser failure escape as anything but ArgumentInvalid', () => {
    const throwing = () => {
      throw new Error('unexpected token');
    };
    expect(() =>
      normalizeJobRequest(methodJob(), { urlJobId: 'job-1', now: NOW, parseCondition: throwing }),
    ).toThrow('queryCondition: unexpected token');
  });
});

describe('normalizeJobRequest with the query language parser', () => {
  const real = (queryCondition: string) =>
    normalizeJobRequest(methodJob({ queryCondition }), { urlJobId: 'job-1', now: NOW });

  it('accepts IoT Hub conditions and *', () => {
    expect(real("tags.building = '43' AND tags.floor = 3").targets).toEqual({
      kind: 'query',
      queryCondition: "tags.building = '43' AND tags.floor = 3",
    });
    expect(real("deviceId IN ['a', 'b'] OR properties.reported.fw < 2").targets.kind).toBe('query');
    expect(real(' * ').targets).toEqual({ kind: 'query', queryCondition: '*' });
  });

  it.each([
    'tags.building = ',
    "tags.building = '43' AND",
    'SELECT * FROM devices',
    "tags.x = 'unterminated",
  ])('names queryCondition for %j', (condition) => {
    expect(fieldOf(() => real(condition))).toBe('queryCondition');
  });
});

describe('completionCondition', () => {
  const withCondition = (completionCondition: unknown) =>
    normalizeJobRequest(methodJob({ completionCondition }), { urlJobId: 'job-1', now: NOW });

  it('is validated and kept for both job types', () => {
    const condition = { condition: " properties.reported.firmware = '2.1.0' ", timeoutInSeconds: 600 };
    expect(withCondition(condition).completionCondition).toEqual({
      condition: "properties.reported.firmware = '2.1.0'",
      timeoutInSeconds: 600,
    });
    const twin = normalize({
      type: 'scheduleUpdateTwin',
      queryCondition: '*',
      updateTwin: { properties: { desired: { fw: 2 } } },
      completionCondition: { condition: 'properties.reported.fw = 2', timeoutInSeconds: 1 },
    });
    expect(twin.completionCondition?.timeoutInSeconds).toBe(1);
  });

  it('names the position of a syntax error in the condition', () => {
    try {
      withCondition({ condition: "properties.reported.fw = = '2'", timeoutInSeconds: 60 });
      throw new Error('expected a JobValidationError');
    } catch (error: unknown) {
      expect(error).toBeInstanceOf(JobValidationError);
      expect((error as JobValidationError).field).toBe('completionCondition.condition');
      expect((error as Error).message).toMatch(/position 26/);
    }
  });

  it.each([
    ['not an object', 'completionCondition'],
    [{ timeoutInSeconds: 60 }, 'completionCondition.condition'],
    [{ condition: '*', timeoutInSeconds: 60 }, 'completionCondition.condition'],
    [{ condition: 'properties.reported.fw = 2' }, 'completionCondition.timeoutInSeconds'],
    [
      { condition: 'properties.reported.fw = 2', timeoutInSeconds: 0 },
      'completionCondition.timeoutInSeconds',
    ],
    [
      { condition: 'properties.reported.fw = 2', timeoutInSeconds: 86_401 },
      'completionCondition.timeoutInSeconds',
    ],
    [{ condition: 'properties.reported.fw = 2', timeoutInSeconds: 5, until: 1 }, 'completionCondition.until'],
  ])('refuses %j naming %s', (value, field) => {
    expect(fieldOf(() => withCondition(value))).toBe(field);
  });
});
