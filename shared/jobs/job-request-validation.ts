import {
  DEVICE_ID_RULE,
  isDeviceId,
  isPlainObject,
  methodNameProblem,
  methodPayloadProblem,
  methodTimeout,
  type MethodTimeout,
} from '../iothub-rules';
import { parseCondition as parseQueryCondition } from '../query';
import { JobValidationError } from './job-errors';
import type {
  CloudToDeviceMethod,
  DeviceJobStatus,
  JobDefinition,
  JobStatus,
  JobTargets,
  JobType,
  TwinPatch,
} from './job-model';
import { DEVICE_JOB_STATUSES, JOB_STATUSES } from './job-model';
import { assertJobId, assertSeedName, assertSeedNamesDeep } from './name-rules';
import { parseJobControls } from './rollout-config';
import { validateTwinPatch } from './twin-patch-validation';

export const DEFAULT_MAX_EXECUTION_SECONDS = 3600;
export const MAX_MAX_EXECUTION_SECONDS = 7 * 24 * 3600;
export const MAX_START_DELAY_MS = 365 * 24 * 3600 * 1000;
export const MAX_DEVICE_IDS = 1_000_000;

/** Validates a query condition; throws (any error) when it does not parse. Supplied by the query language. */
export type ConditionParser = (condition: string) => unknown;

export interface NormalizeOptions {
  /** The job id of the URL (`PUT /jobs/v2/{jobId}`); the body's `jobId`, if any, must equal it. */
  urlJobId: string;
  /** Creation time; a missing or `null` startTime means this instant. */
  now: Date;
  /** Defaults to the IoT Hub query language's `parseCondition` (shared/query). */
  parseCondition?: ConditionParser;
}

/** The query language's condition parser: validates a job's `queryCondition`. */
export const parseJobQueryCondition: ConditionParser = (condition) => parseQueryCondition(condition);

const TYPE_ALIASES: ReadonlyMap<string, JobType> = new Map<string, JobType>([
  ['scheduledevicemethod', 'scheduleDeviceMethod'],
  ['scheduledirectrequest', 'scheduleDeviceMethod'],
  ['scheduleddevicemethod', 'scheduleDeviceMethod'],
  ['scheduleupdatetwin', 'scheduleUpdateTwin'],
  ['scheduletwinupdate', 'scheduleUpdateTwin'],
  ['scheduledupdatetwin', 'scheduleUpdateTwin'],
]);

/** Maps a job type of either vocabulary, in any case, to the GA name; `undefined` if unknown (`__proto__` too). */
export function jobTypeFromName(name: string): JobType | undefined {
  return TYPE_ALIASES.get(name.toLowerCase());
}

/** Maps a job status filter, in any case, to a status; the preview's `pending` means `queued`. */
export function jobStatusFromName(name: string): JobStatus | undefined {
  const lower = name.toLowerCase();
  if (lower === 'pending') return 'queued';
  if (lower === 'canceled') return 'cancelled';
  return JOB_STATUSES.find((status) => status === lower);
}

/** Maps a device job status, in any case, to its spelling (`cancelled` is accepted for `canceled`). */
export function deviceJobStatusNamed(name: string): DeviceJobStatus | undefined {
  const lower = name.toLowerCase();
  return DEVICE_JOB_STATUSES.find((status) => status === (lower === 'cancelled' ? 'canceled' : lower));
}

/**
 * Validates a JobRequest of the GA or the preview vocabulary and normalizes it to a {@link JobDefinition}.
 * Throws {@link JobValidationError} naming the first invalid field.
 */
export function normalizeJobRequest(body: unknown, options: NormalizeOptions): JobDefinition {
  assertJobId('jobId', options.urlJobId);
  if (!isPlainObject(body)) throw new JobValidationError('body', 'must be a JSON object (a JobRequest)');
  // JobClient takes numeric ids too (`scheduleDeviceMethod(42, …)` sends `"jobId": 42`): compare as text.
  const bodyJobId = typeof body.jobId === 'number' ? String(body.jobId) : body.jobId;
  if (present(bodyJobId) && bodyJobId !== options.urlJobId) {
    throw new JobValidationError(
      'jobId',
      `'${String(body.jobId)}' differs from the job id of the URL '${options.urlJobId}'`,
    );
  }
  const type = parseType(body.type);
  const targets = parseTargets(body, options.parseCondition ?? parseJobQueryCondition);
  const definition: JobDefinition = {
    jobId: options.urlJobId,
    type,
    targets,
    startTime: parseStartTime(body.startTime, options.now),
    maxExecutionTimeInSeconds: parseMaxExecutionTime(body.maxExecutionTimeInSeconds),
  };
  if (type === 'scheduleDeviceMethod') {
    if (present(body.updateTwin))
      throw new JobValidationError('updateTwin', 'is not allowed in a scheduleDeviceMethod job');
    definition.cloudToDeviceMethod = parseMethod(body.cloudToDeviceMethod);
  } else {
    if (present(body.cloudToDeviceMethod)) {
      throw new JobValidationError('cloudToDeviceMethod', 'is not allowed in a scheduleUpdateTwin job');
    }
    if (!present(body.updateTwin))
      throw new JobValidationError('updateTwin', 'is required for a scheduleUpdateTwin job');
    definition.updateTwin = validateTwinPatch('updateTwin', body.updateTwin) satisfies TwinPatch;
    if (present(body.countMethodErrorsAsFailures)) {
      throw new JobValidationError('countMethodErrorsAsFailures', 'is only for scheduleDeviceMethod jobs');
    }
  }
  return { ...definition, ...parseJobControls(body) };
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}

function parseType(value: unknown): JobType {
  if (typeof value !== 'string') throw new JobValidationError('type', 'is required and must be a string');
  const type = jobTypeFromName(value);
  if (!type)
    throw new JobValidationError(
      'type',
      `'${value}' is not a job type (scheduleDeviceMethod, scheduleUpdateTwin)`,
    );
  return type;
}

function parseTargets(body: Record<string, unknown>, parseCondition: ConditionParser): JobTargets {
  const hasQuery = present(body.queryCondition);
  const hasIds = present(body.deviceIds);
  if (hasQuery === hasIds)
    throw new JobValidationError('queryCondition', 'exactly one of queryCondition and deviceIds is required');
  if (hasQuery) {
    const condition = body.queryCondition;
    if (typeof condition !== 'string' || condition.trim() === '') {
      throw new JobValidationError(
        'queryCondition',
        'must be a non-empty string (the body of a WHERE clause)',
      );
    }
    if (condition.trim() !== '*') {
      try {
        parseCondition(condition);
      } catch (error: unknown) {
        throw new JobValidationError(
          'queryCondition',
          error instanceof Error ? error.message : 'does not parse',
        );
      }
    }
    return { kind: 'query', queryCondition: condition.trim() };
  }
  const ids = body.deviceIds;
  if (!Array.isArray(ids) || ids.length === 0)
    throw new JobValidationError('deviceIds', 'must be a non-empty array of device ids');
  if (ids.length > MAX_DEVICE_IDS)
    throw new JobValidationError('deviceIds', `at most ${MAX_DEVICE_IDS} device ids are allowed`);
  const unique = new Set<string>();
  ids.forEach((id: unknown, index) => {
    if (!isDeviceId(id)) {
      throw new JobValidationError(`deviceIds[${index}]`, `is not a valid device id: it ${DEVICE_ID_RULE}`);
    }
    unique.add(id);
  });
  return { kind: 'deviceIds', deviceIds: [...unique] };
}

function parseMethod(value: unknown): CloudToDeviceMethod {
  if (!isPlainObject(value))
    throw new JobValidationError(
      'cloudToDeviceMethod',
      'is required for a scheduleDeviceMethod job and must be an object',
    );
  const { methodName } = value;
  const nameProblem = methodNameProblem(methodName);
  if (nameProblem !== undefined || typeof methodName !== 'string') {
    throw new JobValidationError('cloudToDeviceMethod.methodName', nameProblem ?? 'must be a string');
  }
  assertSeedName('cloudToDeviceMethod.methodName', methodName);
  const payload = value.payload === undefined ? null : value.payload;
  const payloadProblem = methodPayloadProblem(payload);
  if (payloadProblem !== undefined)
    throw new JobValidationError('cloudToDeviceMethod.payload', payloadProblem);
  assertSeedNamesDeep('cloudToDeviceMethod.payload', payload);
  const responseField = present(value.responseTimeoutInSeconds)
    ? 'responseTimeoutInSeconds'
    : 'timeoutInSeconds';
  return {
    methodName,
    payload,
    responseTimeoutInSeconds: parseTimeout(
      `cloudToDeviceMethod.${responseField}`,
      value[responseField],
      'response',
    ),
    connectTimeoutInSeconds: parseTimeout(
      'cloudToDeviceMethod.connectTimeoutInSeconds',
      value.connectTimeoutInSeconds,
      'connect',
    ),
  };
}

function parseTimeout(field: string, value: unknown, kind: MethodTimeout): number {
  const timeout = methodTimeout(value, kind);
  if ('problem' in timeout) throw new JobValidationError(field, timeout.problem);
  return timeout.seconds;
}

const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):?(\d{2}))$/i;

/** Whether every field of a matched ISO-8601 date-time names something that exists (no 30 February, no 24:00). */
function fieldsExist(fields: RegExpExecArray): boolean {
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

function parseStartTime(value: unknown, now: Date): string {
  if (!present(value)) return now.toISOString();
  const fields = typeof value === 'string' ? ISO_8601.exec(value) : null;
  if (typeof value !== 'string' || fields === null) {
    throw new JobValidationError('startTime', 'must be an ISO-8601 date-time with a time zone, or null');
  }
  if (!fieldsExist(fields))
    throw new JobValidationError('startTime', `'${value}' is not a date-time that exists`);
  const millis = Date.parse(value.replace(/(\.\d{3})\d+/, '$1'));
  if (Number.isNaN(millis)) throw new JobValidationError('startTime', `'${value}' is not a valid date-time`);
  if (millis - now.getTime() > MAX_START_DELAY_MS)
    throw new JobValidationError('startTime', 'may be at most 365 days ahead');
  return new Date(millis).toISOString();
}

function parseMaxExecutionTime(value: unknown): number {
  if (!present(value)) return DEFAULT_MAX_EXECUTION_SECONDS;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new JobValidationError('maxExecutionTimeInSeconds', 'must be a positive integer');
  }
  if (value > MAX_MAX_EXECUTION_SECONDS) {
    throw new JobValidationError(
      'maxExecutionTimeInSeconds',
      `may be at most ${MAX_MAX_EXECUTION_SECONDS} (7 days)`,
    );
  }
  return value;
}
