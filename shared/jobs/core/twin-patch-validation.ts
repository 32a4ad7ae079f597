import { JobTwinPatchSchema } from '../../schemas/twin.schema';
import type { TwinPatch } from './job-model';
import { parseJobField } from './rollout-config';

/** Validates a job's twin patch and returns its writable part: `tags`, `properties.desired` and a specific etag. */
export function validateTwinPatch(field: string, value: unknown): TwinPatch {
  return parseJobField(JobTwinPatchSchema, value, field);
}
