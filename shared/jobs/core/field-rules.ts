import { isPlainObject } from '../../iothub-rules';
import { JobValidationError } from './job-errors';

/** Checks shared by the extension fields of a job request; each failure names the dotted field. */

export function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}

export function integerIn(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new JobValidationError(field, `must be an integer from ${min} to ${max}`);
  }
  return value;
}

export function numberIn(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new JobValidationError(field, `must be a number from ${min} to ${max}`);
  }
  return value;
}

export function objectAt(field: string, value: unknown): Record<string, unknown> {
  if (!isPlainObject(value)) throw new JobValidationError(field, 'must be an object');
  return value;
}

export function refuseUnknown(field: string, value: Record<string, unknown>, known: readonly string[]): void {
  const unknown = Object.keys(value).find((key) => !known.includes(key));
  if (unknown !== undefined) {
    throw new JobValidationError(`${field}.${unknown}`, `is not a field of ${field} (${known.join(', ')})`);
  }
}
