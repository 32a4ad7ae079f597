import { isPlainObject, seedNameProblem } from '../../iothub-rules';
import { JobValidationError } from './job-errors';

/** The contract's job id rule (@device-jobs/client), repeated because the deployed app does not load the client. */
export const JOB_ID_PATTERN = /^[A-Za-z0-9._~-]{1,128}$/;

export const JOB_ID_RULE = 'must be 1 to 128 characters of A-Z, a-z, 0-9, -, ., _ and ~';

/** Throws unless `name` follows the jobs devguide's character rule (method names, payload property names). */
export function assertSeedName(field: string, name: string): void {
  const problem = seedNameProblem(name);
  if (problem !== undefined) throw new JobValidationError(field, problem);
}

/** Throws unless every property name inside `value` (objects nested in objects and arrays) follows the seed's rule. */
export function assertSeedNamesDeep(field: string, value: unknown): void {
  if (Array.isArray(value)) {
    value.forEach((item, index) => assertSeedNamesDeep(`${field}[${index}]`, item));
  } else if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      assertSeedName(field, key);
      assertSeedNamesDeep(`${field}.${key}`, item);
    }
  }
}

/** Throws unless `jobId` is 1–128 characters of `A-Z a-z 0-9 - . _ ~` (URL-safe: the SDK does not encode it). */
export function assertJobId(field: string, jobId: unknown): asserts jobId is string {
  if (typeof jobId !== 'string') throw new JobValidationError(field, 'must be a string');
  if (!JOB_ID_PATTERN.test(jobId)) {
    throw new JobValidationError(field, JOB_ID_RULE);
  }
}
