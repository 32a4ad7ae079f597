import { TableClient, TableServiceClient } from '@azure/data-tables';
import { tableClientOptions } from './storage-availability';

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
export function lazyTable(connectionString: string, tableName: string): LazyTable {
  let ready: Promise<TableClient> | undefined;
  return () => {
    ready ??= (async () => {
      const options = tableClientOptions(connectionString);
      const service = TableServiceClient.fromConnectionString(connectionString, options);
      try {
        await service.createTable(tableName);
      } catch (error: unknown) {
        if (!isConflict(error)) throw error;
      }
      return TableClient.fromConnectionString(connectionString, tableName, options);
    })().catch((error: unknown) => {
      ready = undefined;
      throw error;
    });
    return ready;
  };
}
