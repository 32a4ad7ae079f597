import type { JsonObject, TwinPatch } from './job-model';
import type { TwinContent } from './ports';

/**
 * Whether a twin already holds what a twin job's patch writes: every patched value equal (objects merged key by
 * key, as a patch merges), every `null` key absent. A twin step repeated after a crash uses this to leave a twin
 * it already changed alone, so a job changes each twin once.
 */
export function isPatchApplied(patch: TwinPatch, twin: TwinContent): boolean {
  return (
    (patch.tags === undefined || holds(twin.tags, patch.tags)) &&
    (patch.properties?.desired === undefined || holds(twin.desired, patch.properties.desired))
  );
}

function holds(target: JsonObject, patch: JsonObject): boolean {
  return Object.keys(patch).every((key) => {
    const wanted = patch[key];
    const present = Object.prototype.hasOwnProperty.call(target, key);
    if (wanted === null) return !present;
    if (!present) return false;
    const actual = target[key];
    if (isObject(wanted)) return isObject(actual) && holds(actual, wanted);
    return deepEqual(actual, wanted);
  });
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Equality of JSON values (object keys in any order). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, index) => deepEqual(item, b[index]));
  }
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => deepEqual(a[key], b[key]));
  }
  return false;
}
