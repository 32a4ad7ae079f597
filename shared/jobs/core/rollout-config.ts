import type * as Wire from '@device-jobs/client';
import { JobValidationError } from './job-errors';
import { integerIn, numberIn, objectAt, present, refuseUnknown } from './field-rules';
import { parseWaves } from './rollout-wave-validation';
// The wire shapes are the contract's (@device-jobs/client), taken as types only; the parsers are the server's.
export type {
  AbortConfig,
  AbortCriterion,
  ExponentialRate,
  FailureType,
  JobControls,
  RateIncreaseCriteria,
  RetryConfig,
  RetryCriterion,
  RolloutConfig,
} from '@device-jobs/client';

export const FAILURE_TYPES: readonly Wire.FailureType[] = ['failed', 'timedOut', 'all'];

export const MAX_PER_MINUTE = 1_000_000;
export const MAX_CONCURRENCY = 10_000;
export const MIN_INCREMENT_FACTOR = 1.1;
export const MAX_INCREMENT_FACTOR = 5;
export const MAX_RETRIES = 10;
const MAX_CRITERIA = FAILURE_TYPES.length;

function failureTypeAt(field: string, value: unknown): Wire.FailureType {
  const type = FAILURE_TYPES.find((candidate) => candidate === value);
  if (!type) throw new JobValidationError(field, `must be one of ${FAILURE_TYPES.join(', ')}`);
  return type;
}

function criteriaListAt(field: string, value: unknown): unknown[] {
  const config = objectAt(field, value);
  refuseUnknown(field, config, ['criteriaList']);
  const list = config.criteriaList;
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_CRITERIA) {
    throw new JobValidationError(
      `${field}.criteriaList`,
      `must be an array of 1 to ${MAX_CRITERIA} criteria`,
    );
  }
  return list;
}

function assertDistinctFailureTypes(
  field: string,
  criteria: readonly { failureType: Wire.FailureType }[],
): void {
  criteria.forEach((criterion, index) => {
    if (criteria.findIndex((other) => other.failureType === criterion.failureType) !== index) {
      throw new JobValidationError(
        `${field}.criteriaList[${index}].failureType`,
        `'${criterion.failureType}' appears twice`,
      );
    }
  });
}

function parseRateIncreaseCriteria(field: string, value: unknown): Wire.RateIncreaseCriteria {
  const criteria = objectAt(field, value);
  const keys = Object.keys(criteria).filter((key) => present(criteria[key]));
  if (keys.length !== 1 || !['numberOfSucceededDevices', 'numberOfNotifiedDevices'].includes(keys[0] ?? '')) {
    throw new JobValidationError(
      field,
      'must hold exactly one of numberOfSucceededDevices and numberOfNotifiedDevices',
    );
  }
  if (present(criteria.numberOfSucceededDevices)) {
    return {
      numberOfSucceededDevices: integerIn(
        `${field}.numberOfSucceededDevices`,
        criteria.numberOfSucceededDevices,
        1,
        MAX_PER_MINUTE,
      ),
    };
  }
  return {
    numberOfNotifiedDevices: integerIn(
      `${field}.numberOfNotifiedDevices`,
      criteria.numberOfNotifiedDevices,
      1,
      MAX_PER_MINUTE,
    ),
  };
}

function parseExponentialRate(field: string, value: unknown, maximumPerMinute: number): Wire.ExponentialRate {
  const rate = objectAt(field, value);
  refuseUnknown(field, rate, ['baseRatePerMinute', 'incrementFactor', 'rateIncreaseCriteria']);
  const baseRatePerMinute = integerIn(
    `${field}.baseRatePerMinute`,
    rate.baseRatePerMinute,
    1,
    MAX_PER_MINUTE,
  );
  if (baseRatePerMinute > maximumPerMinute) {
    throw new JobValidationError(
      `${field}.baseRatePerMinute`,
      `must not exceed maximumPerMinute (${maximumPerMinute})`,
    );
  }
  return {
    baseRatePerMinute,
    incrementFactor: numberIn(
      `${field}.incrementFactor`,
      rate.incrementFactor,
      MIN_INCREMENT_FACTOR,
      MAX_INCREMENT_FACTOR,
    ),
    rateIncreaseCriteria: parseRateIncreaseCriteria(
      `${field}.rateIncreaseCriteria`,
      rate.rateIncreaseCriteria,
    ),
  };
}

/** Validates `rolloutConfig`; throws {@link JobValidationError} naming the first invalid field. */
export function parseRolloutConfig(value: unknown, field = 'rolloutConfig'): Wire.RolloutConfig {
  const config = objectAt(field, value);
  refuseUnknown(field, config, ['maximumPerMinute', 'exponentialRate', 'maxConcurrency', 'waves']);
  const rollout: Wire.RolloutConfig = {};
  if (present(config.maximumPerMinute)) {
    rollout.maximumPerMinute = integerIn(
      `${field}.maximumPerMinute`,
      config.maximumPerMinute,
      1,
      MAX_PER_MINUTE,
    );
  }
  if (present(config.exponentialRate)) {
    if (rollout.maximumPerMinute === undefined) {
      throw new JobValidationError(`${field}.maximumPerMinute`, 'is required with exponentialRate');
    }
    rollout.exponentialRate = parseExponentialRate(
      `${field}.exponentialRate`,
      config.exponentialRate,
      rollout.maximumPerMinute,
    );
  }
  if (present(config.maxConcurrency)) {
    rollout.maxConcurrency = integerIn(`${field}.maxConcurrency`, config.maxConcurrency, 1, MAX_CONCURRENCY);
  }
  if (present(config.waves)) rollout.waves = parseWaves(`${field}.waves`, config.waves);
  return rollout;
}

/** Validates `abortConfig`; throws {@link JobValidationError} naming the first invalid field. */
export function parseAbortConfig(value: unknown, field = 'abortConfig'): Wire.AbortConfig {
  const criteriaList = criteriaListAt(field, value).map((raw, index): Wire.AbortCriterion => {
    const at = `${field}.criteriaList[${index}]`;
    const criterion = objectAt(at, raw);
    refuseUnknown(at, criterion, [
      'failureType',
      'action',
      'thresholdPercentage',
      'minNumberOfExecutedDevices',
    ]);
    const failureType = failureTypeAt(`${at}.failureType`, criterion.failureType);
    if (criterion.action !== 'cancel') throw new JobValidationError(`${at}.action`, "must be 'cancel'");
    return {
      failureType,
      action: 'cancel',
      thresholdPercentage: numberIn(`${at}.thresholdPercentage`, criterion.thresholdPercentage, 0, 100),
      minNumberOfExecutedDevices: integerIn(
        `${at}.minNumberOfExecutedDevices`,
        criterion.minNumberOfExecutedDevices,
        1,
        Number.MAX_SAFE_INTEGER,
      ),
    };
  });
  assertDistinctFailureTypes(field, criteriaList);
  return { criteriaList };
}

/** Validates `retryConfig`; throws {@link JobValidationError} naming the first invalid field. */
export function parseRetryConfig(value: unknown, field = 'retryConfig'): Wire.RetryConfig {
  const criteriaList = criteriaListAt(field, value).map((raw, index): Wire.RetryCriterion => {
    const at = `${field}.criteriaList[${index}]`;
    const criterion = objectAt(at, raw);
    refuseUnknown(at, criterion, ['failureType', 'numberOfRetries']);
    return {
      failureType: failureTypeAt(`${at}.failureType`, criterion.failureType),
      numberOfRetries: integerIn(`${at}.numberOfRetries`, criterion.numberOfRetries, 0, MAX_RETRIES),
    };
  });
  assertDistinctFailureTypes(field, criteriaList);
  return { criteriaList };
}

/** Reads the optional controls of a JobRequest body (`null` counts as absent). */
export function parseJobControls(body: Record<string, unknown>): Wire.JobControls {
  const controls: Wire.JobControls = {};
  if (present(body.rolloutConfig)) controls.rolloutConfig = parseRolloutConfig(body.rolloutConfig);
  if (present(body.abortConfig)) controls.abortConfig = parseAbortConfig(body.abortConfig);
  if (present(body.retryConfig)) controls.retryConfig = parseRetryConfig(body.retryConfig);
  return controls;
}
