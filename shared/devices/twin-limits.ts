import { ArgumentInvalidError, isPlainObject } from '../http';
import type { JsonObject, JsonValue } from './device-model';

/** IoT Hub's twin limits (bytes of UTF-8 JSON, nesting levels). */
export const TWIN_LIMITS = {
  tagsBytes: 8 * 1024,
  desiredBytes: 32 * 1024,
  reportedBytes: 32 * 1024,
  maxDepth: 10,
  keyBytes: 1024,
  stringBytes: 4 * 1024,
} as const;

const FORBIDDEN_KEY = /[.$ ]/;
const isControl = (key: string) => [...key].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);

function checkValue(value: unknown, path: string, depth: number, allowNull: boolean): void {
  if (value === null) {
    if (!allowNull) throw new ArgumentInvalidError(`${path} is null: a twin cannot hold null values.`);
    return;
  }
  if (typeof value === 'string') {
    if (Buffer.byteLength(value) > TWIN_LIMITS.stringBytes) {
      throw new ArgumentInvalidError(`${path} is longer than ${TWIN_LIMITS.stringBytes} bytes.`);
    }
    return;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new ArgumentInvalidError(`${path} is not a finite number.`);
    return;
  }
  if (typeof value === 'boolean') return;
  if (Array.isArray(value)) {
    value.forEach((item: unknown, index) => checkValue(item, `${path}[${index}]`, depth + 1, false));
    return;
  }
  if (!isPlainObject(value)) throw new ArgumentInvalidError(`${path} is not a JSON value.`);
  if (depth > TWIN_LIMITS.maxDepth) {
    throw new ArgumentInvalidError(`${path} is nested deeper than ${TWIN_LIMITS.maxDepth} levels.`);
  }
  for (const [key, child] of Object.entries(value)) {
    checkKey(key, path);
    checkValue(child, `${path}.${key}`, depth + 1, allowNull);
  }
}

function checkKey(key: string, path: string): void {
  // A JavaScript object cannot hold `__proto__` as a plain key (assigning it replaces the prototype): it would be
  // lost silently, so it is refused.
  if (key === '__proto__') {
    throw new ArgumentInvalidError(`Key '${key}' in ${path} is reserved: twins cannot hold it.`);
  }
  if (
    key === '' ||
    FORBIDDEN_KEY.test(key) ||
    isControl(key) ||
    Buffer.byteLength(key) > TWIN_LIMITS.keyBytes
  ) {
    throw new ArgumentInvalidError(
      `Key '${key}' in ${path} is invalid: keys hold at most 1 KB and no '.', '$', space or control character.`,
    );
  }
}

/**
 * Validates a twin section (tags or desired) as a patch (`allowNull`: null deletes a key) or as a replacement,
 * returning it typed. `name` names the section in messages.
 */
export function validateTwinSection(value: unknown, name: string, allowNull: boolean): JsonObject {
  if (!isPlainObject(value)) throw new ArgumentInvalidError(`${name} must be a JSON object.`);
  checkValue(value, name, 1, allowNull);
  return value as JsonObject;
}

/** Checks a section's size after a patch was applied. */
export function checkSectionSize(values: JsonValue, name: string, maxBytes: number): void {
  const size = Buffer.byteLength(JSON.stringify(values));
  if (size > maxBytes) {
    throw new ArgumentInvalidError(`${name} would be ${size} bytes: the limit is ${maxBytes} bytes.`);
  }
}
