import * as v from 'valibot';
import {
  buildJobBody,
  parseDeviceIds,
  type JobFormValues,
} from '../../../../packages/dashboard/src/job-body';
import { PrioritySchema } from '@device-jobs/client/schemas';

const empty: JobFormValues = {
  jobId: 'reboot-1',
  kind: 'method',
  methodName: 'reboot',
  payload: '',
  responseTimeout: '',
  countMethodErrors: false,
  twinPatch: '',
  target: 'query',
  queryCondition: "tags.building = '43'",
  deviceIds: '',
  startTime: '',
  maxExecutionTime: '',
  maximumPerMinute: '',
  maxConcurrency: '',
  priority: '',
  exponential: false,
  baseRatePerMinute: '',
  incrementFactor: '',
  increaseCriterion: 'numberOfSucceededDevices',
  increaseCount: '',
  abort: false,
  abortFailureType: 'failed',
  abortThreshold: '',
  abortMinExecuted: '',
  retry: false,
  retryFailureType: 'timedOut',
  retries: '',
};

describe('the new-job form as a job request body', () => {
  it('maps a minimal method job, leaving optional fields to the service defaults', () => {
    expect(buildJobBody(empty)).toEqual({
      body: {
        jobId: 'reboot-1',
        type: 'scheduleDeviceMethod',
        cloudToDeviceMethod: { methodName: 'reboot', payload: null },
        queryCondition: "tags.building = '43'",
      },
      errors: [],
    });
  });

  it('sends countMethodErrorsAsFailures on a method job when its box is ticked (the form ticks it)', () => {
    expect(buildJobBody({ ...empty, countMethodErrors: true }).body).toMatchObject({
      countMethodErrorsAsFailures: true,
    });
    const twin = buildJobBody({ ...empty, kind: 'twin', twinPatch: '{}', countMethodErrors: true });
    expect(twin.body).not.toHaveProperty('countMethodErrorsAsFailures');
  });

  it('maps a twin job over a device list with every rollout, abort and retry control', () => {
    const { body, errors } = buildJobBody({
      ...empty,
      kind: 'twin',
      twinPatch: '{"tags":{"ring":"canary"}}',
      target: 'devices',
      deviceIds: 'a, b\nc  a',
      startTime: '2026-12-01T08:30:00Z',
      maxExecutionTime: '600',
      maximumPerMinute: '100',
      maxConcurrency: '20',
      exponential: true,
      baseRatePerMinute: '10',
      incrementFactor: '1.5',
      increaseCriterion: 'numberOfNotifiedDevices',
      increaseCount: '50',
      abort: true,
      abortThreshold: '12.5',
      abortMinExecuted: '40',
      retry: true,
      retries: '2',
    });
    expect(errors).toEqual([]);
    expect(body).toEqual({
      jobId: 'reboot-1',
      type: 'scheduleUpdateTwin',
      updateTwin: { tags: { ring: 'canary' } },
      deviceIds: ['a', 'b', 'c', 'a'],
      startTime: '2026-12-01T08:30:00.000Z',
      maxExecutionTimeInSeconds: 600,
      rolloutConfig: {
        maximumPerMinute: 100,
        maxConcurrency: 20,
        exponentialRate: {
          baseRatePerMinute: 10,
          incrementFactor: 1.5,
          rateIncreaseCriteria: { numberOfNotifiedDevices: 50 },
        },
      },
      abortConfig: {
        criteriaList: [
          {
            failureType: 'failed',
            action: 'cancel',
            thresholdPercentage: 12.5,
            minNumberOfExecutedDevices: 40,
          },
        ],
      },
      retryConfig: { criteriaList: [{ failureType: 'timedOut', numberOfRetries: 2 }] },
    });
  });

  it('names each field it can judge by itself', () => {
    const { errors } = buildJobBody({
      ...empty,
      jobId: 'has space',
      methodName: ' ',
      payload: '{"a":',
      queryCondition: '',
      maxExecutionTime: '1.5',
      exponential: true,
      incrementFactor: 'x',
    });
    expect(errors.map((error) => error.field)).toEqual([
      'jobId',
      'methodName',
      'payload',
      'queryCondition',
      'maxExecutionTime',
      'maximumPerMinute',
      'baseRatePerMinute',
      'incrementFactor',
      'increaseCount',
    ]);
    expect(buildJobBody({ ...empty, kind: 'twin', twinPatch: '[1]' }).errors).toEqual([
      { field: 'twinPatch', message: expect.stringContaining('must be a JSON object') },
    ]);
    expect(buildJobBody({ ...empty, target: 'devices', deviceIds: ' ,\n' }).errors).toEqual([
      { field: 'deviceIds', message: 'Name at least one device.' },
    ]);
  });

  it("checks the built body's controls with the contract's schemas, worded as the service answers, by field", () => {
    expect(buildJobBody({ ...empty, maxConcurrency: '20000' }).errors).toEqual([
      {
        field: 'maxConcurrency',
        message: 'rolloutConfig.maxConcurrency: must be an integer from 1 to 10000',
      },
    ]);
    expect(
      buildJobBody({
        ...empty,
        maximumPerMinute: '100',
        exponential: true,
        baseRatePerMinute: '10',
        incrementFactor: '9',
        increaseCount: '5',
      }).errors,
    ).toEqual([
      {
        field: 'incrementFactor',
        message: 'rolloutConfig.exponentialRate.incrementFactor: must be a number from 1.1 to 5',
      },
    ]);
    expect(
      buildJobBody({ ...empty, abort: true, abortThreshold: '150', abortMinExecuted: '10' }).errors,
    ).toEqual([
      {
        field: 'abortThreshold',
        message: 'abortConfig.criteriaList[0].thresholdPercentage: must be a number from 0 to 100',
      },
    ]);
    expect(buildJobBody({ ...empty, retry: true, retries: '11' }).errors).toEqual([
      {
        field: 'retries',
        message: 'retryConfig.criteriaList[0].numberOfRetries: must be an integer from 0 to 10',
      },
    ]);
    expect(buildJobBody({ ...empty, target: 'devices', deviceIds: 'ok-1, bad#2' }).errors).toEqual([
      { field: 'deviceIds', message: expect.stringMatching(/^deviceIds\[1\]: is not a valid device id/) },
    ]);
  });

  it('sends priority in the body, judged as the service judges it (a whole number from 1 to 10)', () => {
    expect(buildJobBody({ ...empty, priority: ' 8 ' })).toMatchObject({ body: { priority: 8 }, errors: [] });
    for (const text of ['0', '1', '5', '10', '11', '-3', '2.5', '1e1', '7.0']) {
      const { body, errors } = buildJobBody({ ...empty, priority: text });
      const serviceAccepts = v.safeParse(PrioritySchema, Number(text)).success;
      expect([text, errors.length === 0]).toEqual([text, serviceAccepts]);
      if (serviceAccepts) expect(body).toMatchObject({ priority: Number(text) });
      else
        expect(errors).toEqual([
          {
            field: 'priority',
            message: expect.stringMatching(/^Priority must be a whole number( from 1 to 10)?\.$/),
          },
        ]);
    }
  });

  it('splits device lists on commas, blanks and new lines', () => {
    expect(parseDeviceIds(' d1,d2\n\nd3\td4 , ')).toEqual(['d1', 'd2', 'd3', 'd4']);
  });
});
