import * as v from 'valibot';
import { MAX_JOB_PRIORITY, MIN_JOB_PRIORITY, type JobRequest } from '@device-jobs/client';
import { JobControlsSchema, JobIdSchema, parseOrProblem, PrioritySchema } from '@device-jobs/client/schemas';
/** The new-job form's values, as the inputs hold them (strings), and their translation to a job request body. */

export type FailureTypeValue = 'failed' | 'timedOut' | 'all';

export interface JobFormValues {
  jobId: string;
  kind: 'method' | 'twin';
  methodName: string;
  payload: string;
  responseTimeout: string;
  /** A device that answers the method with status ≥ 400 counts as failed (IoT Hub counts it as completed). */
  countMethodErrors: boolean;
  twinPatch: string;
  target: 'query' | 'devices';
  queryCondition: string;
  deviceIds: string;
  startTime: string;
  maxExecutionTime: string;
  maximumPerMinute: string;
  maxConcurrency: string;
  /** The job's weight in the service-wide device-operation budget (empty: the service's default). */
  priority: string;
  exponential: boolean;
  baseRatePerMinute: string;
  incrementFactor: string;
  increaseCriterion: 'numberOfSucceededDevices' | 'numberOfNotifiedDevices';
  increaseCount: string;
  abort: boolean;
  abortFailureType: FailureTypeValue;
  abortThreshold: string;
  abortMinExecuted: string;
  retry: boolean;
  retryFailureType: FailureTypeValue;
  retries: string;
}

export interface FieldError {
  field: keyof JobFormValues;
  message: string;
}

/** A `datetime-local` value (the browser's time zone) as ISO-8601 UTC; undefined when empty or invalid. */
export function localInputToIso(value: string): string | undefined {
  if (value.trim() === '') return undefined;
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? undefined : at.toISOString();
}

/** Splits a device list typed with commas, spaces or one id per line. */
export function parseDeviceIds(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((id) => id.trim())
    .filter((id) => id !== '');
}

/** A number typed in a field (`Number`'s reading), whole unless `decimal`. */
const numberText = (message: string, decimal: boolean) =>
  v.pipe(
    v.string(),
    v.transform(Number),
    v.number(message),
    v.finite(message),
    v.check((value) => decimal || Number.isInteger(value), message),
  );

class Collector {
  readonly errors: FieldError[] = [];

  fail(field: keyof JobFormValues, message: string): undefined {
    this.errors.push({ field, message });
    return undefined;
  }

  /** An optional number; integer unless `decimal`. */
  number(field: keyof JobFormValues, text: string, label: string, decimal = false): number | undefined {
    if (text.trim() === '') return undefined;
    const read = v.safeParse(
      numberText(`${label} must be ${decimal ? 'a number' : 'a whole number'}.`, decimal),
      text,
    );
    return read.success ? read.output : this.fail(field, read.issues[0].message);
  }

  required(field: keyof JobFormValues, text: string, label: string, decimal = false): number | undefined {
    if (text.trim() === '') return this.fail(field, `${label} is required.`);
    return this.number(field, text, label, decimal);
  }

  json(field: keyof JobFormValues, text: string, label: string): unknown {
    if (text.trim() === '') return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      return this.fail(
        field,
        `${label} is not valid JSON (${error instanceof Error ? error.message : String(error)}).`,
      );
    }
  }
}

function rolloutOf(values: JobFormValues, check: Collector): Record<string, unknown> {
  const rollout: Record<string, unknown> = {};
  const perMinute = check.number('maximumPerMinute', values.maximumPerMinute, 'Maximum devices per minute');
  if (perMinute !== undefined) rollout.maximumPerMinute = perMinute;
  const concurrency = check.number('maxConcurrency', values.maxConcurrency, 'Maximum concurrency');
  if (concurrency !== undefined) rollout.maxConcurrency = concurrency;
  if (values.exponential) {
    if (perMinute === undefined)
      check.fail('maximumPerMinute', 'An exponential rate needs a maximum per minute.');
    rollout.exponentialRate = {
      baseRatePerMinute: check.required(
        'baseRatePerMinute',
        values.baseRatePerMinute,
        'Base rate per minute',
      ),
      incrementFactor: check.required('incrementFactor', values.incrementFactor, 'Increment factor', true),
      rateIncreaseCriteria: {
        [values.increaseCriterion]: check.required(
          'increaseCount',
          values.increaseCount,
          'Devices per increase',
        ),
      },
    };
  }
  return rollout;
}

/** `priority`, checked as the service checks it: a whole number within the contract's bounds. */
function priorityOf(values: JobFormValues, check: Collector): number | undefined {
  const priority = check.number('priority', values.priority, 'Priority');
  if (priority === undefined || v.is(PrioritySchema, priority)) return priority;
  return check.fail(
    'priority',
    `Priority must be a whole number from ${MIN_JOB_PRIORITY} to ${MAX_JOB_PRIORITY}.`,
  );
}

/** The form field that holds a body field (`rolloutConfig.maxConcurrency`), array positions left out. */
const FORM_FIELD_OF: Record<string, keyof JobFormValues> = {
  deviceIds: 'deviceIds',
  'rolloutConfig.maximumPerMinute': 'maximumPerMinute',
  'rolloutConfig.maxConcurrency': 'maxConcurrency',
  'rolloutConfig.exponentialRate': 'baseRatePerMinute',
  'rolloutConfig.exponentialRate.baseRatePerMinute': 'baseRatePerMinute',
  'rolloutConfig.exponentialRate.incrementFactor': 'incrementFactor',
  'rolloutConfig.exponentialRate.rateIncreaseCriteria': 'increaseCount',
  'rolloutConfig.exponentialRate.rateIncreaseCriteria.numberOfSucceededDevices': 'increaseCount',
  'rolloutConfig.exponentialRate.rateIncreaseCriteria.numberOfNotifiedDevices': 'increaseCount',
  'abortConfig.criteriaList.failureType': 'abortFailureType',
  'abortConfig.criteriaList.thresholdPercentage': 'abortThreshold',
  'abortConfig.criteriaList.minNumberOfExecutedDevices': 'abortMinExecuted',
  'retryConfig.criteriaList.failureType': 'retryFailureType',
  'retryConfig.criteriaList.numberOfRetries': 'retries',
  priority: 'priority',
};

/**
 * The built body's controls checked by the contract's `JobControlsSchema`, as the service checks them: its first
 * problem is shown next to the form field that holds it, worded as the service answers (`field: reason`), unless
 * the page already named a problem in that field.
 */
function controlsProblem(body: Record<string, unknown>, check: Collector): void {
  const checked = parseOrProblem(JobControlsSchema, body, '');
  if (!('problem' in checked)) return;
  const { field, reason } = checked.problem;
  const formField = FORM_FIELD_OF[field.replace(/\[\d+\]/g, '')] ?? 'jobId';
  if (check.errors.some((error) => error.field === formField)) return;
  check.fail(formField, `${field}: ${reason}`);
}

/**
 * The `PUT /jobs/v2/{jobId}` body of the form, with the problems the page can see by itself (missing values,
 * JSON syntax, whole numbers, and the contract's rules for ids, rollout, abort, retry and priority). Everything else
 * is the service's to judge: its error is shown as it answers.
 */
export function buildJobBody(values: JobFormValues): { body: JobRequest; errors: FieldError[] } {
  const check = new Collector();
  const body: Record<string, unknown> = {};
  if (!v.is(JobIdSchema, values.jobId.trim())) {
    check.fail('jobId', 'Job id: 1–128 characters among letters, digits and - . _ ~');
  }
  body.jobId = values.jobId.trim();
  if (values.kind === 'method') {
    body.type = 'scheduleDeviceMethod';
    if (values.methodName.trim() === '') check.fail('methodName', 'Method name is required.');
    const payload = check.json('payload', values.payload, 'Payload');
    body.cloudToDeviceMethod = {
      methodName: values.methodName.trim(),
      payload: payload ?? null,
      ...(values.responseTimeout.trim() === ''
        ? {}
        : {
            responseTimeoutInSeconds: check.number(
              'responseTimeout',
              values.responseTimeout,
              'Response timeout',
            ),
          }),
    };
    if (values.countMethodErrors) body.countMethodErrorsAsFailures = true;
  } else {
    body.type = 'scheduleUpdateTwin';
    const patch = check.json('twinPatch', values.twinPatch, 'Twin patch');
    if (values.twinPatch.trim() === '') check.fail('twinPatch', 'Twin patch is required.');
    else if (patch !== undefined && (typeof patch !== 'object' || patch === null || Array.isArray(patch))) {
      check.fail(
        'twinPatch',
        'Twin patch must be a JSON object such as {"tags": {…}, "properties": {"desired": {…}}}.',
      );
    }
    body.updateTwin = patch;
  }
  if (values.target === 'query') {
    if (values.queryCondition.trim() === '')
      check.fail('queryCondition', 'Query condition is required (* selects every device).');
    body.queryCondition = values.queryCondition.trim();
  } else {
    const ids = parseDeviceIds(values.deviceIds);
    if (ids.length === 0) check.fail('deviceIds', 'Name at least one device.');
    body.deviceIds = ids;
  }
  if (values.startTime.trim() !== '') {
    const start = localInputToIso(values.startTime);
    if (start === undefined) check.fail('startTime', 'Start time is not a valid date and time.');
    body.startTime = start;
  }
  const maxTime = check.number('maxExecutionTime', values.maxExecutionTime, 'Maximum execution time');
  if (maxTime !== undefined) body.maxExecutionTimeInSeconds = maxTime;
  const rollout = rolloutOf(values, check);
  if (Object.keys(rollout).length > 0) body.rolloutConfig = rollout;
  const priority = priorityOf(values, check);
  if (priority !== undefined) body.priority = priority;
  if (values.abort) {
    body.abortConfig = {
      criteriaList: [
        {
          failureType: values.abortFailureType,
          action: 'cancel',
          thresholdPercentage: check.required(
            'abortThreshold',
            values.abortThreshold,
            'Abort threshold',
            true,
          ),
          minNumberOfExecutedDevices: check.required(
            'abortMinExecuted',
            values.abortMinExecuted,
            'Minimum executed devices',
          ),
        },
      ],
    };
  }
  if (values.retry) {
    body.retryConfig = {
      criteriaList: [
        {
          failureType: values.retryFailureType,
          numberOfRetries: check.required('retries', values.retries, 'Retries'),
        },
      ],
    };
  }
  controlsProblem(body, check);
  // What the page cannot check (query, method, twin patch, times) is the service's to judge.
  return { body: body as unknown as JobRequest, errors: check.errors };
}
