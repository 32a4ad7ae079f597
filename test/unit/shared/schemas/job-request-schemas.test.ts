import { requireCursor } from '../../../../functions/durable/job-activity-input';
import { normalizeJobRequest } from '../../../../shared/jobs/core/job-request-validation';

/** The schemas answer what the hand-written validators answered: the dotted field and the same reason. */
const now = new Date('2026-01-01T00:00:00Z');
const method = {
  type: 'scheduleDeviceMethod',
  queryCondition: '*',
  cloudToDeviceMethod: { methodName: 'reboot' },
};

function answer(body: unknown): string {
  try {
    normalizeJobRequest(body, { urlJobId: 'job-1', now });
  } catch (error: unknown) {
    return (error as Error).message;
  }
  return 'accepted';
}

describe('job request schemas keep the API answers', () => {
  it.each([
    [
      { ...method, cloudToDeviceMethod: {} },
      'cloudToDeviceMethod.methodName: is required and must be a non-empty string',
    ],
    [
      { ...method, retryConfig: { criteriaList: 5, x: 1 } },
      'retryConfig.x: is not a field of retryConfig (criteriaList)',
    ],
    [
      { ...method, rolloutConfig: { exponentialRate: { bogus: 1 } } },
      'rolloutConfig.maximumPerMinute: is required with exponentialRate',
    ],
    [
      { ...method, rolloutConfig: { maximumPerMinute: 5, exponentialRate: { bogus: 1 } } },
      'rolloutConfig.exponentialRate.bogus: is not a field of rolloutConfig.exponentialRate (baseRatePerMinute, incrementFactor, rateIncreaseCriteria)',
    ],
    [{ ...method, abortConfig: {} }, 'abortConfig.criteriaList: must be an array of 1 to 3 criteria'],
    // An array is not an object: every control refuses one the same way.
    [{ ...method, rolloutConfig: 'x' }, 'rolloutConfig: must be an object'],
    [{ ...method, rolloutConfig: [] }, 'rolloutConfig: must be an object'],
    [{ ...method, abortConfig: [] }, 'abortConfig: must be an object'],
    [
      {
        ...method,
        rolloutConfig: {
          maximumPerMinute: 5,
          exponentialRate: { baseRatePerMinute: 1, incrementFactor: 2, rateIncreaseCriteria: [] },
        },
      },
      'rolloutConfig.exponentialRate.rateIncreaseCriteria: must be an object',
    ],
    [
      { ...method, queryCondition: undefined, deviceIds: ['a', 'b c'] },
      "deviceIds[1]: is not a valid device id: it must be 1 to 128 characters of letters, digits and - . % _ * ? ! ( ) , : = @ $ '",
    ],
    [
      {
        ...method,
        cloudToDeviceMethod: { methodName: 'a', responseTimeoutInSeconds: 10, timeoutInSeconds: 4 },
      },
      'accepted',
    ],
    [
      { ...method, cloudToDeviceMethod: { methodName: 'a', timeoutInSeconds: 4 } },
      'cloudToDeviceMethod.timeoutInSeconds: must be a whole number of seconds from 5 to 300',
    ],
    [
      { ...method, startTime: '2026-02-30T00:00:00Z' },
      "startTime: '2026-02-30T00:00:00Z' is not a date-time that exists",
    ],
    [
      {
        ...method,
        rolloutConfig: {
          waves: [
            { name: 'a', deviceCount: 1, successThresholdPercentage: 1, then: 'pause' },
            { name: 'a', deviceCount: 1, successThresholdPercentage: 1, then: 'pause' },
          ],
        },
      },
      "rolloutConfig.waves[1].name: 'a' names two waves",
    ],
  ])('%j answers %s', (body, expected) => {
    expect(answer(body)).toBe(expected);
  });
});

describe('activity inputs', () => {
  it('keep the cursor fields this version does not know, and refuse a malformed cursor naming the field', () => {
    const cursor = {
      shardCount: 2,
      nextShard: 1,
      targets: { done: false, continuation: 'c' },
      futureField: { a: 1 },
    };
    expect(requireCursor('jobRunDevices', cursor)).toEqual(cursor);
    expect(() => requireCursor('jobRunDevices', { ...cursor, nextShard: -1 })).toThrow(
      'jobRunDevices: cursor.nextShard must be an integer ≥ 0.',
    );
  });
});
