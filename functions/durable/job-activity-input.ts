import type { RunCursor } from '../../shared/jobs/core/run-cursor';
import type { ExecutedCounts } from '../../shared/jobs/core/rollout-policy';
import * as v from 'valibot';
import { ExecutedCountsSchema, RunCursorSchema } from '../../shared/schemas/activity-input.schema';
import { parseOrThrow, type SchemaProblem } from '@device-jobs/client/schemas';

/** Activity inputs arrive as deserialized JSON; these checks fail the activity loudly on a malformed one. */
export function requireObject(
  activity: string,
  input: unknown,
  field = 'the input',
): Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new TypeError(`${activity}: ${field} must be an object.`);
  }
  return input as Record<string, unknown>;
}

export function requireString(activity: string, input: Record<string, unknown>, field: string): string {
  const value = input[field];
  if (typeof value !== 'string' || value.length === 0)
    throw new TypeError(`${activity}: ${field} must be a string.`);
  return value;
}

export function requireInteger(
  activity: string,
  input: Record<string, unknown>,
  field: string,
  min: number,
): number {
  const value = input[field];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new TypeError(`${activity}: ${field} must be an integer ≥ ${min}.`);
  }
  return value;
}

/** A malformed activity input fails the activity naming the field. */
const activityInputError =
  (activity: string) =>
  ({ field, reason }: SchemaProblem): TypeError =>
    new TypeError(`${activity}: ${field} ${reason}.`);

/** Parses an activity input's field with its schema. */
const requireSchema = <TSchema extends v.GenericSchema>(
  activity: string,
  schema: TSchema,
  value: unknown,
  field: string,
): v.InferOutput<TSchema> => parseOrThrow(schema, value, field, activityInputError(activity));

/** The run cursor of an activity input; fields it does not know are kept, so newer cursors pass through whole. */
export function requireCursor(activity: string, value: unknown): RunCursor {
  return requireSchema(activity, RunCursorSchema, value, 'cursor') satisfies RunCursor;
}

/** Final device results by failure type (a cursor's or a settle step's `executed`). */
export function requireExecuted(activity: string, value: unknown, field: string): ExecutedCounts {
  return requireSchema(activity, ExecutedCountsSchema, value, field);
}
