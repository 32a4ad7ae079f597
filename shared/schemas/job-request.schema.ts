import type * as Wire from '@device-jobs/client/contract';
import { JOB_ID_PATTERN, JOB_ID_RULE } from '@device-jobs/client/contract';
import * as v from 'valibot';
import { CompletionConditionSchema } from '../jobs/core/completion-condition';
import { isPlainObject, seedNameProblem } from '../iothub-rules';
import {
  ConnectTimeoutSchema,
  MethodNameSchema,
  MethodPayloadSchema,
  ResponseTimeoutSchema,
} from './method-invocation.schema';
import {
  objectMessage,
  keyPath,
  AbortConfigSchema,
  DeviceIdSchema,
  JobIdSchema,
  CountMethodErrorsSchema,
  RetryConfigSchema,
  RolloutConfigSchema,
} from '@device-jobs/client/schemas';

/** The fields of a JobRequest (`PUT /jobs/v2/{jobId}`, GA and preview vocabulary), as valibot schemas. */

export const DEFAULT_MAX_EXECUTION_SECONDS = 3600;
export const MAX_MAX_EXECUTION_SECONDS = 7 * 24 * 3600;
export const MAX_DEVICE_IDS = 1_000_000;

/** The contract's job id rule and schema (@device-jobs/client). */
export { JOB_ID_PATTERN, JOB_ID_RULE, JobIdSchema };

const TYPE_ALIASES: ReadonlyMap<string, Wire.JobType> = new Map<string, Wire.JobType>([
  ['scheduledevicemethod', 'scheduleDeviceMethod'],
  ['scheduledirectrequest', 'scheduleDeviceMethod'],
  ['scheduleddevicemethod', 'scheduleDeviceMethod'],
  ['scheduleupdatetwin', 'scheduleUpdateTwin'],
  ['scheduletwinupdate', 'scheduleUpdateTwin'],
  ['scheduledupdatetwin', 'scheduleUpdateTwin'],
]);

/** Maps a job type of either vocabulary, in any case, to the GA name; `undefined` if unknown (`__proto__` too). */
export function jobTypeFromName(name: string): Wire.JobType | undefined {
  return TYPE_ALIASES.get(name.toLowerCase());
}

/** `type`: a job type of either vocabulary, in any case, read as its GA name. */
export const JobTypeSchema = v.pipe(
  v.string('is required and must be a string'),
  v.check(
    (name) => jobTypeFromName(name) !== undefined,
    (issue) => `'${String(issue.input)}' is not a job type (scheduleDeviceMethod, scheduleUpdateTwin)`,
  ),
  v.transform((name) => jobTypeFromName(name) ?? 'scheduleDeviceMethod'),
);

/** `queryCondition`: the body of a WHERE clause (the query language parses it afterwards), or `*`. */
export const QueryConditionSchema = v.pipe(
  v.string('must be a non-empty string (the body of a WHERE clause)'),
  v.trim(),
  v.nonEmpty('must be a non-empty string (the body of a WHERE clause)'),
);

const DEVICE_IDS_RULE = 'must be a non-empty array of device ids';

/** `deviceIds`: 1 to {@link MAX_DEVICE_IDS} device ids (an extension of IoT Hub's jobs API). */
export const DeviceIdsSchema = v.pipe(
  v.array(v.unknown(), DEVICE_IDS_RULE),
  v.minLength(1, DEVICE_IDS_RULE),
  v.maxLength(MAX_DEVICE_IDS, `at most ${MAX_DEVICE_IDS} device ids are allowed`),
  v.array(DeviceIdSchema),
);

const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):?(\d{2}))$/i;

/** Whether every field of an ISO-8601 date-time names something that exists (no 30 February, no 24:00). */
function fieldsExist(text: string): boolean {
  const fields = ISO_8601.exec(text);
  if (!fields) return false;
  const [year, month, day, hour, minute, second = 0, offsetHours = 0, offsetMinutes = 0] = fields
    .slice(1)
    .map((field) => (field === undefined ? undefined : Number(field)));
  if (year === undefined || month === undefined || day === undefined) return false;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth &&
    (hour ?? 0) <= 23 &&
    (minute ?? 0) <= 59 &&
    second <= 59 &&
    offsetHours <= 14 &&
    offsetMinutes <= 59
  );
}

/** `startTime`: an ISO-8601 date-time with a time zone, read as epoch milliseconds (null: now). */
export const StartTimeSchema = v.pipe(
  v.string('must be an ISO-8601 date-time with a time zone, or null'),
  v.regex(ISO_8601, 'must be an ISO-8601 date-time with a time zone, or null'),
  v.check(fieldsExist, (issue) => `'${String(issue.input)}' is not a date-time that exists`),
  v.transform((text) => Date.parse(text.replace(/(\.\d{3})\d+/, '$1'))),
  v.check((millis) => !Number.isNaN(millis), 'is not a valid date-time'),
);

const POSITIVE_INTEGER = 'must be a positive integer';

/** `maxExecutionTimeInSeconds`: 1 s to 7 days. */
export const MaxExecutionTimeSchema = v.pipe(
  v.number(POSITIVE_INTEGER),
  v.integer(POSITIVE_INTEGER),
  v.minValue(1, POSITIVE_INTEGER),
  v.maxValue(MAX_MAX_EXECUTION_SECONDS, `may be at most ${MAX_MAX_EXECUTION_SECONDS} (7 days)`),
);

/** A name used when initiating a job (a method name): the jobs devguide's characters ({@link seedNameProblem}). */
export const SeedNameSchema = v.pipe(
  v.string(),
  v.check(
    (name) => seedNameProblem(name) === undefined,
    (issue) => seedNameProblem(issue.input) ?? '',
  ),
);

/**
 * The first property name inside `value` (objects nested in objects and arrays, depth first in key order) that
 * breaks the devguide's rule: why, with `path` left at the object holding it. Free-form JSON keeps keys such as
 * `__proto__` that valibot's object schemas skip, so the walk is this schema's own; the path is built only for
 * the name at fault, as payloads of up to 128 KB pass on a request's hot path.
 */
function seedNameProblemInside(value: unknown, path: (string | number)[]): string | undefined {
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      path.push(index);
      const problem = seedNameProblemInside(value[index], path);
      if (problem !== undefined) return problem;
      path.pop();
    }
  } else if (isPlainObject(value)) {
    for (const key of Object.keys(value)) {
      const problem = seedNameProblem(key);
      if (problem !== undefined) return problem;
      path.push(key);
      const inner = seedNameProblemInside(value[key], path);
      if (inner !== undefined) return inner;
      path.pop();
    }
  }
  return undefined;
}

/** Any JSON value whose property names, at any depth, follow the jobs devguide's rule (a method job's payload). */
export const SeedNamedJsonSchema = v.pipe(
  v.unknown(),
  v.rawCheck(({ dataset, addIssue }) => {
    const path: (string | number)[] = [];
    const problem = seedNameProblemInside(dataset.value, path);
    if (problem !== undefined)
      addIssue({ message: problem, ...(path.length > 0 ? { path: keyPath(...path) } : {}) });
  }),
);

/** `cloudToDeviceMethod`: what a scheduleDeviceMethod job calls; timeouts default as IoT Hub's do. */
const METHOD_ENTRIES = {
  methodName: MethodNameSchema,
  payload: MethodPayloadSchema,
  responseTimeoutInSeconds: v.nullish(ResponseTimeoutSchema),
  // The preview's name of responseTimeoutInSeconds: checked only when responseTimeoutInSeconds is absent.
  timeoutInSeconds: v.nullish(v.unknown()),
  connectTimeoutInSeconds: v.nullish(ConnectTimeoutSchema),
};

export const CloudToDeviceMethodSchema = v.looseObject(
  METHOD_ENTRIES,
  objectMessage(METHOD_ENTRIES, 'is required for a scheduleDeviceMethod job and must be an object'),
);

/**
 * The whole JobRequest body, for the OpenAPI document and the types: the use case checks it field by field in
 * IoT Hub's order (`normalizeJobRequest`), with these same schemas.
 */
export const JobRequestSchema = v.looseObject({
  jobId: v.optional(v.union([JobIdSchema, v.number()])),
  type: v.picklist(['scheduleDeviceMethod', 'scheduleUpdateTwin']),
  queryCondition: v.optional(QueryConditionSchema),
  deviceIds: v.optional(DeviceIdsSchema),
  startTime: v.nullish(v.string()),
  maxExecutionTimeInSeconds: v.optional(MaxExecutionTimeSchema),
  cloudToDeviceMethod: v.optional(CloudToDeviceMethodSchema),
  updateTwin: v.optional(v.record(v.string(), v.unknown())),
  rolloutConfig: v.optional(RolloutConfigSchema),
  abortConfig: v.optional(AbortConfigSchema),
  retryConfig: v.optional(RetryConfigSchema),
  countMethodErrorsAsFailures: v.nullish(CountMethodErrorsSchema),
  completionCondition: v.nullish(CompletionConditionSchema),
});
