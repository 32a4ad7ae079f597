import { isPlainObject, sectionSizeProblem, TWIN_LIMITS, twinSectionProblem } from '../../iothub-rules';
import { JobValidationError } from './job-errors';
import type { JsonObject, TwinPatch } from './job-model';

/**
 * Twin fields the SDKs send along with a patch (a `Twin` object serialised whole) that a job cannot change;
 * they are accepted and ignored.
 */
const IGNORED_TWIN_FIELDS = new Set([
  'deviceId',
  'moduleId',
  'version',
  'status',
  'statusReason',
  'statusUpdateTime',
  'connectionState',
  'lastActivityTime',
  'cloudToDeviceMessageCount',
  'authenticationType',
  'x509Thumbprint',
  'capabilities',
  'deviceEtag',
  'modelId',
]);

/** Validates a job's twin patch and returns its writable part: `tags`, `properties.desired` and a specific etag. */
export function validateTwinPatch(field: string, value: unknown): TwinPatch {
  if (!isPlainObject(value)) throw new JobValidationError(field, 'must be a JSON object (a twin patch)');
  const patch: TwinPatch = {};
  for (const [key, item] of Object.entries(value)) {
    if (key === 'tags') {
      if (item === null || item === undefined) continue;
      patch.tags = validateSection(`${field}.tags`, item, TWIN_LIMITS.tagsBytes);
    } else if (key === 'properties') {
      if (item === null || item === undefined) continue;
      const desired = validateProperties(`${field}.properties`, item);
      if (desired) patch.properties = { desired };
    } else if (key === 'etag') {
      if (item === null || item === undefined || item === '*') continue;
      if (typeof item !== 'string') throw new JobValidationError(`${field}.etag`, 'must be a string');
      patch.etag = item;
    } else if (!IGNORED_TWIN_FIELDS.has(key)) {
      throw new JobValidationError(
        `${field}.${key}`,
        'is not writable: a twin job may change only tags and properties.desired',
      );
    }
  }
  if (!patch.tags && !patch.properties) {
    throw new JobValidationError(field, 'must change tags or properties.desired');
  }
  return patch;
}

function validateProperties(field: string, value: unknown): JsonObject | undefined {
  if (!isPlainObject(value)) throw new JobValidationError(field, 'must be a JSON object');
  let desired: JsonObject | undefined;
  for (const [key, item] of Object.entries(value)) {
    if (key === 'desired') {
      if (item === null || item === undefined) continue;
      desired = validateSection(`${field}.desired`, item, TWIN_LIMITS.desiredBytes);
    } else if (key === 'reported' && (item === null || item === undefined || isEmptyObject(item))) {
      continue;
    } else {
      throw new JobValidationError(
        `${field}.${key}`,
        'is not writable: only properties.desired may be changed',
      );
    }
  }
  return desired;
}

function isEmptyObject(value: unknown): boolean {
  return isPlainObject(value) && Object.keys(value).length === 0;
}

/** A job's twin sections follow the twin rules with the job's stricter key rule (see `TwinKeyRule`). */
function validateSection(field: string, value: unknown, maxBytes: number): JsonObject {
  const problem = twinSectionProblem(value, field, { allowNull: true, keys: 'job' });
  if (problem) throw new JobValidationError(problem.field, problem.reason);
  const sizeProblem = sectionSizeProblem(value, maxBytes);
  if (sizeProblem) throw new JobValidationError(field, sizeProblem);
  return value as JsonObject;
}
