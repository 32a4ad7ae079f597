import type { JsonObject, TwinPatch } from './job-model';
import type { TwinContent } from './ports';
import { deepEqual } from './twin-patch-applied';
import type { OverwrittenValue } from './twin-overwritten';

export type { OverwrittenValue } from './twin-overwritten';

type Section = 'tags' | 'desired';

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sectionsOf(patch: TwinPatch): [Section, JsonObject][] {
  const sections: [Section, JsonObject][] = [];
  if (patch.tags) sections.push(['tags', patch.tags]);
  if (patch.properties?.desired) sections.push(['desired', patch.properties.desired]);
  return sections;
}

/** What `patch` overwrites in `twin`: the twin's values at every path the patch writes (pure, no I/O). */
export function overwrittenBy(patch: TwinPatch, twin: TwinContent): OverwrittenValue[] {
  const found: OverwrittenValue[] = [];
  const walk = (change: JsonObject, current: JsonObject, path: string[]) => {
    for (const [key, value] of Object.entries(change)) {
      const at = [...path, key];
      const present = Object.hasOwn(current, key);
      const before = present ? current[key] : undefined;
      if (isObject(value) && isObject(before)) walk(value, before, at);
      else found.push(present ? { path: at, value: structuredCopy(before) } : { path: at });
    }
  };
  for (const [section, change] of sectionsOf(patch)) walk(change, twin[section], [section]);
  return found;
}

/** The patch that puts the overwritten values back (an absent key is deleted with `null`). */
export function restorePatch(overwritten: readonly OverwrittenValue[]): TwinPatch {
  const sections: Record<Section, JsonObject | undefined> = { tags: undefined, desired: undefined };
  for (const { path, value } of overwritten) {
    const [section, ...keys] = path as [Section, ...string[]];
    let node = (sections[section] ??= {});
    keys.slice(0, -1).forEach((key) => {
      const child = node[key];
      node = isObject(child) ? child : (node[key] = {});
    });
    node[keys[keys.length - 1] ?? ''] = value === undefined ? null : value;
  }
  const patch: TwinPatch = {};
  if (sections.tags) patch.tags = sections.tags;
  if (sections.desired) patch.properties = { desired: sections.desired };
  return patch;
}

/**
 * The first path (dotted, as `tags.site` or `properties.desired.fw.version`) whose value in `twin` is no longer
 * what `patch` wrote there, or undefined when the twin still holds everything the patch wrote at the paths of
 * `overwritten`: then nobody changed them since, and restoring them undoes exactly the patch.
 */
export function changedSince(
  patch: TwinPatch,
  overwritten: readonly OverwrittenValue[],
  twin: TwinContent,
): string | undefined {
  for (const { path } of overwritten) {
    const [section, ...keys] = path as [Section, ...string[]];
    const written = valueAt(section === 'tags' ? patch.tags : patch.properties?.desired, keys);
    const expected = written === undefined || written === null ? undefined : withoutNulls(written);
    if (!deepEqual(valueAt(twin[section], keys), expected)) return dotted(path);
  }
  return undefined;
}

/** `tags.a.b` / `properties.desired.a.b`: the path as a twin query names it. */
export function dotted(path: readonly string[]): string {
  const [section, ...keys] = path;
  return [section === 'desired' ? 'properties.desired' : (section ?? ''), ...keys].join('.');
}

function valueAt(root: JsonObject | undefined, keys: readonly string[]): unknown {
  let node: unknown = root;
  for (const key of keys) {
    if (!isObject(node) || !Object.hasOwn(node, key)) return undefined;
    node = node[key];
  }
  return node;
}

/** A patch value written where nothing was merges into nothing: its nulls vanish (as the twin merge does). */
function withoutNulls(value: unknown): unknown {
  if (!isObject(value)) return value;
  const result: JsonObject = {};
  for (const [key, child] of Object.entries(value)) if (child !== null) result[key] = withoutNulls(child);
  return result;
}

function structuredCopy(value: unknown): unknown {
  return value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as unknown);
}
