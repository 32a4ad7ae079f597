import type * as Wire from '@device-jobs/client';
import { parseCondition } from '../query';
import { JobValidationError } from './job-errors';
import { isPlainObject } from '../iothub-rules';

export type { CompletionCondition } from '@device-jobs/client';

/** The longest a device may wait for its completion condition (one day). */
export const MAX_COMPLETION_TIMEOUT_SECONDS = 86_400;

/** The error code of a device whose completion condition did not hold within its timeout. */
export const COMPLETION_TIMEOUT_CODE = 'CompletionConditionTimeout';

/**
 * Validates `completionCondition` (`{condition, timeoutInSeconds}`): the condition must parse as the body of a
 * WHERE clause (a syntax error names its position); throws {@link JobValidationError} naming the dotted field.
 */
export function parseCompletionCondition(
  value: unknown,
  field = 'completionCondition',
): Wire.CompletionCondition {
  if (!isPlainObject(value)) throw new JobValidationError(field, 'must be an object');
  const unknown = Object.keys(value).find((key) => key !== 'condition' && key !== 'timeoutInSeconds');
  if (unknown !== undefined)
    throw new JobValidationError(
      `${field}.${unknown}`,
      `is not a field of ${field} (condition, timeoutInSeconds)`,
    );
  const { condition, timeoutInSeconds } = value;
  if (typeof condition !== 'string' || condition.trim() === '' || condition.trim() === '*') {
    throw new JobValidationError(
      `${field}.condition`,
      "must be a query condition on the device's twin (the body of a WHERE clause)",
    );
  }
  try {
    parseCondition(condition);
  } catch (error: unknown) {
    throw new JobValidationError(
      `${field}.condition`,
      error instanceof Error ? error.message : 'does not parse',
    );
  }
  return {
    condition: condition.trim(),
    timeoutInSeconds: timeoutOf(`${field}.timeoutInSeconds`, timeoutInSeconds),
  };
}

function timeoutOf(field: string, value: unknown): number {
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < 1 ||
    value > MAX_COMPLETION_TIMEOUT_SECONDS
  )
    throw new JobValidationError(field, `must be an integer from 1 to ${MAX_COMPLETION_TIMEOUT_SECONDS}`);
  return value;
}
