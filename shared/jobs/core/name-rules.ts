import { isPlainObject, seedNameProblem } from '../../iothub-rules';
import { JobIdSchema } from '../../schemas/job-request.schema';
import { parseOrThrow } from '@device-jobs/client/schemas';
import { JobValidationError } from './job-errors';

export { JOB_ID_PATTERN, JOB_ID_RULE } from '../../schemas/job-request.schema';

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
  parseOrThrow(JobIdSchema, jobId, field, ({ field: at, reason }) => new JobValidationError(at, reason));
}
