import { indexPathOf, type IndexEntry, type ScalarType } from '../query';
import type { DeviceRecord, JsonObject } from './device-model';
import { isPlainObject } from '../iothub-rules';

/** What every entry key of a path and value type starts with: the keys of one path sort by type, then value. */
export function indexEntryPrefix(path: string, type: ScalarType): string {
  return `${path}\u0001${type.charAt(0)}:`;
}

/** The identity of an index entry: its folded path, the value's type and the value. */
export function indexEntryKey(entry: IndexEntry): string {
  return `${indexEntryPrefix(entry.path, typeof entry.value as ScalarType)}${String(entry.value)}`;
}

function collect(object: JsonObject, path: string[], into: Map<string, IndexEntry>): void {
  for (const [key, value] of Object.entries(object)) {
    const childPath = [...path, key];
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      const entry = { path: indexPathOf(childPath), value };
      into.set(indexEntryKey(entry), entry);
    } else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      collect(value, childPath, into);
    }
  }
}

/** The index entries of a device: every scalar below its tags (see `isIndexedPath`), by entry key. */
export function twinIndexEntries(record: Pick<DeviceRecord, 'tags'>): Map<string, IndexEntry> {
  const entries = new Map<string, IndexEntry>();
  collect(record.tags, ['tags'], entries);
  return entries;
}

/**
 * Whether `next` only adds to `previous`: every property of `previous` is in `next` with the same value (objects
 * compared the same way, recursively), and every property `next` adds has a name new at its level even ignoring
 * case. A copy of `previous` then reads the same scalar as `next` at every path where it reads one, also through
 * the case-insensitive name matching of queries (see `mayMatchTags`), so index entries carrying it stay sound.
 */
export function tagsExtend(previous: Record<string, unknown>, next: Record<string, unknown>): boolean {
  const names = new Set(Object.keys(previous).map((name) => name.toLowerCase()));
  for (const name of Object.keys(next))
    if (!Object.hasOwn(previous, name) && names.has(name.toLowerCase())) return false;
  return Object.entries(previous).every(([name, value]) => {
    if (!Object.hasOwn(next, name)) return false;
    const other = next[name];
    return isPlainObject(value) && isPlainObject(other)
      ? tagsExtend(value, other)
      : JSON.stringify(value) === JSON.stringify(other);
  });
}
