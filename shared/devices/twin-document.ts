import type { JsonObject, JsonValue, TwinMetadata, TwinSection } from './device-model';

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A deep copy through JSON (plain objects of this realm, unlike structuredClone's in a jest sandbox). */
export function cloneJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

const clone = cloneJson;

function leafMetadata(at: string, version: number | undefined): JsonObject {
  return version === undefined ? { $lastUpdated: at } : { $lastUpdated: at, $lastUpdatedVersion: version };
}

/** Builds metadata for a whole value (every object and leaf stamped). */
function metadataOf(value: JsonValue, at: string, version: number | undefined): JsonObject {
  const meta = leafMetadata(at, version);
  if (isObject(value)) {
    for (const [key, child] of Object.entries(value)) meta[key] = metadataOf(child, at, version);
  }
  return meta;
}

/**
 * Applies a JSON merge patch (null deletes) to `values`, stamping `$lastUpdated` (and `$lastUpdatedVersion` when
 * given) on every touched node of `metadata`. Both are modified in place.
 */
export function mergeInto(
  values: JsonObject,
  metadata: TwinMetadata,
  patch: JsonObject,
  at: string,
  version?: number,
): void {
  Object.assign(metadata, leafMetadata(at, version));
  for (const [key, change] of Object.entries(patch)) {
    if (change === null) {
      delete values[key];
      delete metadata[key];
      continue;
    }
    const current = Object.hasOwn(values, key) ? values[key] : undefined;
    const currentMeta = Object.hasOwn(metadata, key) ? metadata[key] : undefined;
    if (isObject(change) && isObject(current)) {
      const childMetadata = isObject(currentMeta) ? currentMeta : (metadata[key] = {});
      mergeInto(current, childMetadata, change, at, version);
    } else {
      values[key] = clone(stripNulls(change));
      metadata[key] = metadataOf(values[key], at, version);
    }
  }
}

/** A patch value written where nothing was merges into nothing: its nulls just vanish. */
function stripNulls(value: JsonValue): JsonValue {
  if (!isObject(value)) return value;
  const result: JsonObject = {};
  for (const [key, child] of Object.entries(value)) if (child !== null) result[key] = stripNulls(child);
  return result;
}

/** A fresh section holding `values`, every node stamped. */
export function sectionOf(
  values: JsonObject,
  version: number,
  at: string,
  stampVersion: boolean,
): TwinSection {
  const cleaned = stripNulls(values) as JsonObject;
  return { values: cleaned, version, metadata: metadataOf(cleaned, at, stampVersion ? version : undefined) };
}

/** The section as the wire shows it: values plus `$metadata` and `$version`. */
export function sectionToWire(section: TwinSection): JsonObject {
  return { ...clone(section.values), $metadata: clone(section.metadata), $version: section.version };
}
