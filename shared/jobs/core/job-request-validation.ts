import * as v from 'valibot';
import { isPlainObject, METHOD_LIMITS } from '../../iothub-rules';
import { parseCondition as parseQueryCondition } from '../../query';
import {
  CloudToDeviceMethodSchema,
  DEFAULT_MAX_EXECUTION_SECONDS,
  DeviceIdsSchema,
  JobTypeSchema,
  MaxExecutionTimeSchema,
  QueryConditionSchema,
  SeedNamedJsonSchema,
  SeedNameSchema,
  StartTimeSchema,
} from '../../schemas/job-request.schema';
import { ResponseTimeoutSchema } from '../../schemas/method-invocation.schema';
import { present } from '@device-jobs/client/schemas';
import { JobValidationError } from './job-errors';
import type {
  CloudToDeviceMethod,
  DeviceJobStatus,
  JobDefinition,
  JobStatus,
  JobTargets,
  TwinPatch,
} from './job-model';
import { DEVICE_JOB_STATUSES, JOB_STATUSES } from './job-model';
import { assertJobId } from './name-rules';
import { parseJobControls, parseJobField } from './rollout-config';
import type { CronParser } from './job-schedule-model';
import { parseSchedulingConfig } from './maintenance-window-validation';
import { parseTargetSelection } from './target-selection-validation';
import { validateTwinPatch } from './twin-patch-validation';

export {
  DEFAULT_MAX_EXECUTION_SECONDS,
  MAX_DEVICE_IDS,
  MAX_MAX_EXECUTION_SECONDS,
  jobTypeFromName,
} from '../../schemas/job-request.schema';
export const MAX_START_DELAY_MS = 365 * 24 * 3600 * 1000;

/** Validates a query condition; throws (any error) when it does not parse. Supplied by the query language. */
export type ConditionParser = (condition: string) => unknown;

export interface NormalizeOptions {
  /** The job id of the URL (`PUT /jobs/v2/{jobId}`); the body's `jobId`, if any, must equal it. */
  urlJobId: string;
  /** Creation time; a missing or `null` startTime means this instant. */
  now: Date;
  /** Defaults to the IoT Hub query language's `parseCondition` (shared/query). */
  parseCondition?: ConditionParser;
  /** NCRONTAB in a time zone (`shared/cron`): needed for `schedulingConfig`, which is refused without it. */
  parseCron?: CronParser;
}

/** The query language's condition parser: validates a job's `queryCondition`. */
export const parseJobQueryCondition: ConditionParser = (condition) => parseQueryCondition(condition);

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
  const type = parseJobField(JobTypeSchema, body.type, 'type');
  const targets = parseTargets(body, options.parseCondition ?? parseJobQueryCondition);
  const definition: JobDefinition = {
    jobId: options.urlJobId,
    type,
    targets,
    startTime: parseStartTime(body.startTime, options.now),
    maxExecutionTimeInSeconds: present(body.maxExecutionTimeInSeconds)
      ? parseJobField(MaxExecutionTimeSchema, body.maxExecutionTimeInSeconds, 'maxExecutionTimeInSeconds')
      : DEFAULT_MAX_EXECUTION_SECONDS,
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
  const controls = parseJobControls(body, type);
  if (present(body.schedulingConfig)) {
    if (!options.parseCron) throw new Error('No NCRONTAB parser was composed to read schedulingConfig.');
    controls.schedulingConfig = parseSchedulingConfig(body.schedulingConfig, options.parseCron);
  }
  if (present(body.targetSelection)) {
    controls.targetSelection = parseTargetSelection(body.targetSelection, targets, controls);
  }
  return { ...definition, ...controls };
}

function parseTargets(body: Record<string, unknown>, parseCondition: ConditionParser): JobTargets {
  const hasQuery = present(body.queryCondition);
  if (hasQuery === present(body.deviceIds))
    throw new JobValidationError('queryCondition', 'exactly one of queryCondition and deviceIds is required');
  if (hasQuery) {
    const condition = parseJobField(QueryConditionSchema, body.queryCondition, 'queryCondition');
    if (condition !== '*') {
      try {
        parseCondition(condition);
      } catch (error: unknown) {
        throw new JobValidationError(
          'queryCondition',
          error instanceof Error ? error.message : 'does not parse',
        );
      }
    }
    return { kind: 'query', queryCondition: condition };
  }
  return {
    kind: 'deviceIds',
    deviceIds: [...new Set(parseJobField(DeviceIdsSchema, body.deviceIds, 'deviceIds'))],
  };
}

function parseMethod(value: unknown): CloudToDeviceMethod {
  const method = parseJobField(CloudToDeviceMethodSchema, value, 'cloudToDeviceMethod');
  parseJobField(SeedNameSchema, method.methodName, 'cloudToDeviceMethod.methodName');
  parseJobField(SeedNamedJsonSchema, method.payload, 'cloudToDeviceMethod.payload');
  return {
    methodName: method.methodName,
    payload: method.payload,
    responseTimeoutInSeconds:
      method.responseTimeoutInSeconds ??
      parseJobField(
        v.nullish(ResponseTimeoutSchema, METHOD_LIMITS.defaultResponseTimeout),
        method.timeoutInSeconds,
        'cloudToDeviceMethod.timeoutInSeconds',
      ),
    connectTimeoutInSeconds: method.connectTimeoutInSeconds ?? METHOD_LIMITS.defaultConnectTimeout,
  };
}

function parseStartTime(value: unknown, now: Date): string {
  if (!present(value)) return now.toISOString();
  const millis = parseJobField(StartTimeSchema, value, 'startTime');
  if (millis - now.getTime() > MAX_START_DELAY_MS)
    throw new JobValidationError('startTime', 'may be at most 365 days ahead');
  return new Date(millis).toISOString();
}
