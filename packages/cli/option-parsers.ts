import fs from 'node:fs';
import { InvalidArgumentError } from 'commander';
import { MAX_JOB_PRIORITY, MIN_JOB_PRIORITY } from '@device-jobs/client';

/** Reads `@path` from a file, anything else is the value itself (as `az` does for JSON arguments). */
function textOrFile(value: string): string {
  if (!value.startsWith('@')) return value;
  try {
    return fs.readFileSync(value.slice(1), 'utf8');
  } catch (error: unknown) {
    throw new InvalidArgumentError(`Cannot read ${value.slice(1)}: ${(error as Error).message}`);
  }
}

/** A JSON value, inline or `@file`. */
export function jsonValue(value: string): unknown {
  try {
    return JSON.parse(textOrFile(value)) as unknown;
  } catch (error: unknown) {
    if (error instanceof InvalidArgumentError) throw error;
    throw new InvalidArgumentError(`Not valid JSON: ${(error as Error).message}`);
  }
}

/** A JSON object, inline or `@file`. */
export function jsonObject(value: string): Record<string, unknown> {
  const parsed = jsonValue(value);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new InvalidArgumentError('Must be a JSON object.');
  return parsed as Record<string, unknown>;
}

function integerFrom(min: number): (value: string) => number {
  return (value) => {
    const number = Number(value);
    if (value.trim() === '' || !Number.isInteger(number) || number < min)
      throw new InvalidArgumentError(`Must be a whole number of at least ${min}.`);
    return number;
  };
}

export const positiveInteger = integerFrom(1);

/** A job's share weight in the device-operation budget (1-10). */
export function jobPriority(value: string): number {
  const number = Number(value);
  if (
    value.trim() === '' ||
    !Number.isInteger(number) ||
    number < MIN_JOB_PRIORITY ||
    number > MAX_JOB_PRIORITY
  )
    throw new InvalidArgumentError(`Must be a whole number from ${MIN_JOB_PRIORITY} to ${MAX_JOB_PRIORITY}.`);
  return number;
}
export const nonNegativeInteger = integerFrom(0);

export function percentage(value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !(number >= 0 && number <= 100))
    throw new InvalidArgumentError('Must be a number from 0 to 100.');
  return number;
}

export function positiveNumber(value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !(number > 0) || !Number.isFinite(number))
    throw new InvalidArgumentError('Must be a positive number.');
  return number;
}

/** Ids separated by commas, spaces or new lines. */
export function idList(value: string): string[] {
  const ids = value.split(/[\s,]+/).filter((id) => id.length > 0);
  if (ids.length === 0) throw new InvalidArgumentError('Name at least one device id.');
  return ids;
}

/** A file of device ids, one a line (commas and spaces also separate; `#` starts a comment). */
export function idFile(path: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (error: unknown) {
    throw new InvalidArgumentError(`Cannot read ${path}: ${(error as Error).message}`);
  }
  const withoutComments = text
    .split(/\r?\n/)
    .map((line) => line.replace(/#.*$/, ''))
    .join('\n');
  try {
    return idList(withoutComments);
  } catch {
    throw new InvalidArgumentError(`${path} holds no device id.`);
  }
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/**
 * A start time: `+<n>s|m|h|d` from now, or an ISO-8601 time with its zone, passed on as written (the service
 * validates it and answers the field's error).
 */
export function startTime(value: string, now: () => number = Date.now): string {
  const relative = /^\+(\d+)([smhd])$/.exec(value.trim());
  if (relative) {
    const seconds = Number(relative[1]) * (UNIT_SECONDS[relative[2] ?? 's'] ?? 1);
    return new Date(now() + seconds * 1000).toISOString();
  }
  if (/^\d{4}-\d{2}-\d{2}T/.test(value.trim()) && !Number.isNaN(Date.parse(value))) return value.trim();
  throw new InvalidArgumentError('Use an ISO-8601 time with its zone (2026-12-01T02:00:00Z) or +<n>s|m|h|d.');
}

export function choice<T extends string>(values: readonly T[]): (value: string) => T {
  return (value) => {
    const found = values.find((candidate) => candidate === value);
    if (!found) throw new InvalidArgumentError(`Must be one of ${values.join(', ')}.`);
    return found;
  };
}
