import { JobValidationError } from './job-errors';
import type { JsonObject, TwinPatch } from './job-model';
import { assertTwinKey, byteLength, isPlainObject } from './name-rules';

export const MAX_TAGS_BYTES = 8 * 1024;
export const MAX_DESIRED_BYTES = 32 * 1024;
export const MAX_TWIN_DEPTH = 10;
export const MAX_TWIN_STRING_BYTES = 4 * 1024;

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
      patch.tags = validateSection(`${field}.tags`, item, MAX_TAGS_BYTES);
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
      desired = validateSection(`${field}.desired`, item, MAX_DESIRED_BYTES);
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

function validateSection(field: string, value: unknown, maxBytes: number): JsonObject {
  if (!isPlainObject(value)) throw new JobValidationError(field, 'must be a JSON object');
  validateObject(field, value, 0);
  const size = byteLength(JSON.stringify(value));
  if (size > maxBytes)
    throw new JobValidationError(field, `is ${size} bytes; at most ${maxBytes} bytes are allowed`);
  return value;
}

function validateObject(field: string, object: Record<string, unknown>, depth: number): void {
  for (const [key, item] of Object.entries(object)) {
    assertTwinKey(field, key);
    validateValue(`${field}.${key}`, item, depth);
  }
}

function validateValue(field: string, value: unknown, depth: number): void {
  if (typeof value === 'string') {
    if (byteLength(value) > MAX_TWIN_STRING_BYTES) {
      throw new JobValidationError(field, `string values may be at most ${MAX_TWIN_STRING_BYTES} bytes`);
    }
  } else if (Array.isArray(value) || isPlainObject(value)) {
    if (depth + 1 > MAX_TWIN_DEPTH) {
      throw new JobValidationError(field, `twin objects may be nested at most ${MAX_TWIN_DEPTH} levels deep`);
    }
    if (Array.isArray(value))
      value.forEach((item, index) => validateValue(`${field}[${index}]`, item, depth + 1));
    else validateObject(field, value, depth + 1);
  } else if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new JobValidationError(field, 'must be a finite number');
  } else if (value !== null && typeof value !== 'boolean') {
    throw new JobValidationError(field, 'must be a JSON value');
  }
}
