import type { RunCursor } from '../../shared/jobs/job-execution';
import type { ExecutedCounts } from '../../shared/jobs/rollout-policy';

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

export function optionalString(
  activity: string,
  input: Record<string, unknown>,
  field: string,
): string | undefined {
  return input[field] === undefined ? undefined : requireString(activity, input, field);
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

export function requireCursor(activity: string, value: unknown): RunCursor {
  const cursor = requireObject(activity, value, 'cursor');
  const targets = requireObject(activity, cursor.targets, 'cursor.targets');
  const shardCount = requireInteger(activity, cursor, 'shardCount', 0);
  const nextShard = requireInteger(activity, cursor, 'nextShard', 0);
  const continuation = optionalString(activity, targets, 'continuation');
  const parsed: RunCursor = {
    shardCount,
    nextShard,
    targets:
      targets.done === true
        ? { done: true }
        : continuation === undefined
          ? { done: false }
          : { done: false, continuation },
  };
  if (cursor.calls !== undefined) {
    const calls = requireObject(activity, cursor.calls, 'cursor.calls');
    const seconds = calls.seconds;
    if (typeof seconds !== 'number' || !(seconds >= 0)) {
      throw new TypeError(`${activity}: cursor.calls.seconds must be a number ≥ 0.`);
    }
    parsed.calls = {
      count: requireInteger(activity, calls, 'count', 0),
      seconds,
      peakInFlight: requireInteger(activity, calls, 'peakInFlight', 0),
    };
  }
  if (cursor.executed !== undefined)
    parsed.executed = requireExecuted(activity, cursor.executed, 'cursor.executed');
  if (cursor.completionWaits === true) parsed.completionWaits = true;
  return parsed;
}

/** Final device results by failure type (a cursor's or a settle step's `executed`). */
export function requireExecuted(activity: string, value: unknown, field: string): ExecutedCounts {
  const executed = requireObject(activity, value, field);
  return {
    succeeded: requireInteger(activity, executed, 'succeeded', 0),
    failed: requireInteger(activity, executed, 'failed', 0),
    timedOut: requireInteger(activity, executed, 'timedOut', 0),
  };
}
