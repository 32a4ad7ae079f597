import { parseOrThrow } from '@device-jobs/client/schemas';
import { RegistryJobRequestSchema, type RegistryJobRequest } from '../schemas/registry-job-request.schema';
import { RegistryJobRequestError } from './registry-job-errors';

export { DEFAULT_DEVICES_BLOB, IMPORT_ERRORS_BLOB } from '../schemas/registry-job-request.schema';

/**
 * Validates a `POST /jobs/create` body (IoT Hub's JobProperties) of an `export` or `import` job. Other job types
 * of IoT Hub's enum are refused: twin and method jobs are created with `PUT /jobs/v2/{id}`.
 */
export function parseRegistryJobRequest(body: unknown): RegistryJobRequest {
  return parseOrThrow(
    RegistryJobRequestSchema,
    body,
    '',
    ({ field, reason }) => new RegistryJobRequestError(field || 'body', reason),
  );
}
