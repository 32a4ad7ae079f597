import type { Primitive } from './query-ast';

/** A JSON value as found in a queried document (twin, module twin, device-job row). */
export type JsonValue = Primitive | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** A value during evaluation: JSON, or `undefined` for a missing property or an undefined result. */
export type QueryValue = JsonValue | undefined;

/** The kinds of value the language distinguishes. */
export type ValueKind = 'undefined' | 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object';

/**
 * The JSON kind of a value. NaN, infinities, functions, symbols and bigints count as undefined; any other object (also a
 * class instance such as an SDK's Twin) is read through its own properties.
 */
export function kindOf(value: unknown): ValueKind {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  switch (typeof value) {
    case 'boolean':
      return 'boolean';
    case 'number':
      return Number.isFinite(value) ? 'number' : 'undefined';
    case 'string':
      return 'string';
    case 'object':
      return 'object';
    default:
      return 'undefined';
  }
}

/**
 * Reads one property of a document object. Own properties only (never `constructor` or `__proto__` from the
 * prototype). An exact match wins; otherwise a single key equal to `name` ignoring case is used, because IoT Hub
 * matches property names in queries case-insensitively while twin keys themselves are case-sensitive.
 */
export function readProperty(container: unknown, name: string): QueryValue {
  if (kindOf(container) !== 'object') return undefined;
  const record = container as { readonly [key: string]: unknown };
  if (Object.prototype.hasOwnProperty.call(record, name)) return asQueryValue(record[name]);
  const lowered = name.toLowerCase();
  let found: string | undefined;
  for (const key of Object.keys(record)) {
    if (key.toLowerCase() !== lowered) continue;
    if (found !== undefined) return undefined;
    found = key;
  }
  return found === undefined ? undefined : asQueryValue(record[found]);
}

/** Follows a property path from a document's root. */
export function readPath(document: unknown, path: readonly string[]): QueryValue {
  let current: unknown = document;
  for (const segment of path) {
    current = readProperty(current, segment);
    if (current === undefined) return undefined;
  }
  return asQueryValue(current);
}

function asQueryValue(value: unknown): QueryValue {
  return kindOf(value) === 'undefined' ? undefined : (value as JsonValue);
}
