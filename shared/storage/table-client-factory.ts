import type { TableClient } from '@azure/data-tables';
import { tableClientFor, tableServiceClientFor, type StorageAccount } from './storage-clients';

/** A lazily created table client: the table is created (if missing) once, on first use. */
export type LazyTable = () => Promise<TableClient>;

function isHttpStatus(error: unknown, status: number): boolean {
  return (
    typeof error === 'object' && error !== null && (error as { statusCode?: unknown }).statusCode === status
  );
}

export function isConflict(error: unknown): boolean {
  return isHttpStatus(error, 409);
}

export function isNotFound(error: unknown): boolean {
  return isHttpStatus(error, 404);
}

export function isPreconditionFailed(error: unknown): boolean {
  return isHttpStatus(error, 412);
}

/** Tables of one storage account, each created on first use. */
export function lazyTable(account: StorageAccount, tableName: string): LazyTable {
  let ready: Promise<TableClient> | undefined;
  return () => {
    ready ??= (async () => {
      try {
        await tableServiceClientFor(account).createTable(tableName);
      } catch (error: unknown) {
        if (!isConflict(error)) throw error;
      }
      return tableClientFor(account, tableName);
    })().catch((error: unknown) => {
      ready = undefined;
      throw error;
    });
    return ready;
  };
}
