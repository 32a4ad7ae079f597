import type * as Wire from '@device-jobs/client/contract';
import type * as v from 'valibot';
import {
  AbortConfigSchema,
  CountMethodErrorsSchema,
  PrioritySchema,
  RetryConfigSchema,
  parseOrThrow,
  present,
  RolloutConfigSchema,
} from '@device-jobs/client/schemas';
import { JobValidationError } from './job-errors';
import { parseCompletionCondition } from './completion-condition';
// The wire shapes are the contract's (@device-jobs/client), taken as types only; the schemas are the server's.
export type {
  AbortConfig,
  AbortCriterion,
  ExponentialRate,
  FailureType,
  JobControls,
  RateIncreaseCriteria,
  RetryConfig,
  RolloutConfig,
} from '@device-jobs/client/contract';
export { FAILURE_TYPES } from '@device-jobs/client/contract';
export {
  DEFAULT_PRIORITY,
  MAX_CONCURRENCY,
  MAX_INCREMENT_FACTOR,
  MAX_PER_MINUTE,
  MAX_RETRIES,
  MIN_INCREMENT_FACTOR,
} from '@device-jobs/client/schemas';

/**
 * Parses a job request's field with its schema; the first issue is a {@link JobValidationError}. A whole body is
 * parsed as the field `''`: its fields are named as they are, and the body itself as `body`.
 */
export function parseJobField<TSchema extends v.GenericSchema>(
  schema: TSchema,
  value: unknown,
  field: string,
): v.InferOutput<TSchema> {
  return parseOrThrow(
    schema,
    value,
    field,
    ({ field: at, reason }) => new JobValidationError(at || 'body', reason),
  );
}

/** Validates `rolloutConfig`; throws {@link JobValidationError} naming the first invalid field. */
export function parseRolloutConfig(value: unknown, field = 'rolloutConfig'): Wire.RolloutConfig {
  return parseJobField(RolloutConfigSchema, value, field);
}

/**
 * Validates `abortConfig`; throws {@link JobValidationError} naming the first invalid field. `action: rollback`
 * (restore what the job overwrote) needs a twin job: a method call cannot be undone.
 */
export function parseAbortConfig(
  value: unknown,
  field = 'abortConfig',
  jobType?: Wire.JobType,
): Wire.AbortConfig {
  const config = parseJobField(AbortConfigSchema, value, field);
  const index = config.criteriaList.findIndex((criterion) => criterion.action === 'rollback');
  if (index >= 0 && jobType === 'scheduleDeviceMethod') {
    throw new JobValidationError(
      `${field}.criteriaList[${index}].action`,
      "'rollback' needs a scheduleUpdateTwin job (a direct method cannot be undone)",
    );
  }
  return config;
}

/** Validates `retryConfig`; throws {@link JobValidationError} naming the first invalid field. */
export function parseRetryConfig(value: unknown, field = 'retryConfig'): Wire.RetryConfig {
  return parseJobField(RetryConfigSchema, value, field);
}

/** Reads the optional controls of a JobRequest body (`null` counts as absent). */
export function parseJobControls(body: Record<string, unknown>, jobType?: Wire.JobType): Wire.JobControls {
  const controls: Wire.JobControls = {};
  if (present(body.rolloutConfig)) controls.rolloutConfig = parseRolloutConfig(body.rolloutConfig);
  if (present(body.abortConfig)) {
    controls.abortConfig = parseAbortConfig(body.abortConfig, 'abortConfig', jobType);
  }
  if (present(body.retryConfig)) controls.retryConfig = parseRetryConfig(body.retryConfig);
  if (present(body.completionCondition)) {
    if (controls.rolloutConfig?.waves) {
      throw new JobValidationError(
        'completionCondition',
        'cannot be combined with rolloutConfig.waves (a wave is judged on final results)',
      );
    }
    controls.completionCondition = parseCompletionCondition(body.completionCondition);
  }
  if (present(body.priority)) controls.priority = parseJobField(PrioritySchema, body.priority, 'priority');
  if (present(body.countMethodErrorsAsFailures)) {
    controls.countMethodErrorsAsFailures = parseJobField(
      CountMethodErrorsSchema,
      body.countMethodErrorsAsFailures,
      'countMethodErrorsAsFailures',
    );
  }
  return controls;
}
