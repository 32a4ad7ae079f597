import { createHash } from 'node:crypto';
import type { TableClient } from '@azure/data-tables';
import { tableServiceClientFor, type StorageAccount } from './storage-clients';
import { lazyTable, statusCodeOf, type LazyTable } from './table-support';

/**
 * Index paths share this many tables at most: each path's entries live in the table of a hash of the path, so a
 * fleet with a few tag paths gets a table per path (ten paths share a table with a chance of about 1 %, which
 * only makes that table larger), and one whose devices invent tag names cannot create a table per device.
 */
export const INDEX_TABLE_BUCKETS = 4_096;

/**
 * The tables of the embedded registry's twin index (docs/devices.md, "Index layout"): one small table per
 * indexed path (by hash bucket), a table of the layout's state (its migration cursor and lease), and the
 * table of the old layout (one table for every path), read by nothing and dropped once migrated.
 */
export interface RegistryIndexTables {
  /** The name of the table holding the entries of an index path. */
  nameOf(path: string): string;
  /** A table of the index by name (created on first use). */
  open(tableName: string): Promise<TableClient>;
  /** The table of the layout's state rows. */
  state: LazyTable;
  /** Drops the old layout's single index table, if it exists. */
  dropLegacy(): Promise<void>;
}

/** The table name of an index path: `prefix` and the hash bucket of the path, in hex. */
export function indexTableName(prefix: string, path: string): string {
  const bucket = createHash('sha256').update(path).digest().readUInt16BE(0) % INDEX_TABLE_BUCKETS;
  return `${prefix}${bucket.toString(16).padStart(3, '0')}`;
}

/** Opens tables by name, each created once on first use (the same client for the same name). */
export function tableOpener(account: StorageAccount): (tableName: string) => Promise<TableClient> {
  const tables = new Map<string, LazyTable>();
  return (tableName) => {
    let table = tables.get(tableName);
    if (!table) {
      table = lazyTable(account, tableName);
      tables.set(tableName, table);
    }
    return table();
  };
}

/** The index tables of a storage account: `<prefix>000`…`<prefix>fff`, `<prefix>State`, and the legacy table. */
export function registryIndexTables(
  account: StorageAccount,
  names: { prefix: string; legacy: string },
  open: (tableName: string) => Promise<TableClient> = tableOpener(account),
): RegistryIndexTables {
  return {
    nameOf: (path) => indexTableName(names.prefix, path),
    open,
    state: () => open(`${names.prefix}State`),
    async dropLegacy() {
      try {
        await tableServiceClientFor(account).deleteTable(names.legacy);
      } catch (error: unknown) {
        if (statusCodeOf(error) !== 404) throw error;
      }
    },
  };
}
