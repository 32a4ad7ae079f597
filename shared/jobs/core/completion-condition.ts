import type * as Wire from '@device-jobs/client/contract';
import { parseCondition } from '../../query';
import { JobValidationError } from './job-errors';
import * as v from 'valibot';
import { closedObject, integerIn, parseOrThrow } from '@device-jobs/client/schemas';

export type { CompletionCondition } from '@device-jobs/client/contract';

/** The longest a device may wait for its completion condition (one day). */
export const MAX_COMPLETION_TIMEOUT_SECONDS = 86_400;

/**
 * How old a twin writer's knowledge that no device has a watch may be (it then skips the per-device watch read). A
 * wait filed within that time may go unseen by a writer: it is looked at again once this has passed twice.
 */
export const WATCH_PRESENCE_MAX_AGE_MS = 1_000;

/** The error code of a device whose completion condition did not hold within its timeout. */
export const COMPLETION_TIMEOUT_CODE = 'CompletionConditionTimeout';

const CONDITION_RULE = "must be a query condition on the device's twin (the body of a WHERE clause)";

/** `completionCondition`: a twin condition each device must meet, within a timeout, to count as done. */
export const CompletionConditionSchema = closedObject({
  condition: v.pipe(
    v.string(CONDITION_RULE),
    v.trim(),
    v.nonEmpty(CONDITION_RULE),
    v.notValue('*', CONDITION_RULE),
    v.rawCheck(({ dataset, addIssue }) => {
      if (!dataset.typed) return;
      try {
        parseCondition(dataset.value);
      } catch (error: unknown) {
        addIssue({ message: error instanceof Error ? error.message : 'does not parse' });
      }
    }),
  ),
  timeoutInSeconds: integerIn(1, MAX_COMPLETION_TIMEOUT_SECONDS),
}) satisfies v.GenericSchema<unknown, Wire.CompletionCondition>;

/**
 * Validates `completionCondition` (`{condition, timeoutInSeconds}`): the condition must parse as the body of a
 * WHERE clause (a syntax error names its position); throws {@link JobValidationError} naming the dotted field.
 */
export function parseCompletionCondition(
  value: unknown,
  field = 'completionCondition',
): Wire.CompletionCondition {
  return parseOrThrow(
    CompletionConditionSchema,
    value,
    field,
    (problem) => new JobValidationError(problem.field, problem.reason),
  );
}
