import { JobIdSchema } from '../../schemas/job-request.schema';
import { parseOrThrow } from '@device-jobs/client/schemas';
import { JobValidationError } from './job-errors';

export { JOB_ID_PATTERN, JOB_ID_RULE } from '../../schemas/job-request.schema';

/** Throws unless `jobId` is 1–128 characters of `A-Z a-z 0-9 - . _ ~` (URL-safe: the SDK does not encode it). */
export function assertJobId(field: string, jobId: unknown): asserts jobId is string {
  parseOrThrow(JobIdSchema, jobId, field, ({ field: at, reason }) => new JobValidationError(at, reason));
}
