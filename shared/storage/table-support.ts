import type { TableClient, TableEntityResult, TransactionAction } from '@azure/data-tables';
import { tableClientFor, tableServiceClientFor, type StorageAccount } from './storage-clients';

export { isLocalConnection } from './storage-clients';

/**
 * The one support library of every Table Storage repository: client creation, JSON in chunked properties, one
 * escaping of JSON and of keys, batch transactions, paging and error statuses.
 */

/** A client of one table of the account (the table is not created). */
export function tableClient(account: StorageAccount, tableName: string): TableClient {
  return tableClientFor(account, tableName);
}

/** Creates a table unless it exists. */
export async function ensureTable(account: StorageAccount, tableName: string): Promise<void> {
  try {
    await tableServiceClientFor(account).createTable(tableName);
  } catch (error: unknown) {
    if (statusCodeOf(error) !== 409) throw error;
  }
}

/** A lazily created table client: the table is created (if missing) once, on first use; a failure is retried. */
export type LazyTable = () => Promise<TableClient>;

export function lazyTable(account: StorageAccount, tableName: string): LazyTable {
  let ready: Promise<TableClient> | undefined;
  return () => {
    ready ??= ensureTable(account, tableName)
      .then(() => tableClient(account, tableName))
      .catch((error: unknown) => {
        ready = undefined;
        throw error;
      });
    return ready;
  };
}

/**
 * Table Storage limits a string property to 64 KiB (UTF-16, so 32 Ki characters); longer JSON is split over
 * numbered properties `<name>0`, `<name>1`, … with `<name>Parts` giving the count.
 */
export const PART_CHARS = 30_000;

/**
 * JSON with every non-ASCII character (and DEL) escaped (`\uXXXX`): sizes are predictable, and Azurite corrupts
 * multi-byte UTF-8 characters that a large request body splits across network chunks; JSON.parse restores them.
 */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** How many properties {@link splitJson} splits the JSON of `value` over. */
export function jsonParts(value: unknown): number {
  return Math.ceil(asciiJson(value).length / PART_CHARS);
}

/** Splits the JSON of `value` over as many properties as it needs. */
export function splitJson(name: string, value: unknown): Record<string, string | number> {
  const text = asciiJson(value);
  const properties: Record<string, string | number> = {};
  let parts = 0;
  for (let start = 0; start < text.length; start += PART_CHARS, parts += 1) {
    properties[`${name}${parts}`] = text.slice(start, start + PART_CHARS);
  }
  properties[`${name}Parts`] = parts;
  return properties;
}

/** Parses what {@link splitJson} wrote; `undefined` when the entity has no such value. */
export function joinJson(name: string, entity: Record<string, unknown>): unknown {
  const parts = entity[`${name}Parts`];
  if (typeof parts !== 'number') return undefined;
  let text = '';
  for (let index = 0; index < parts; index += 1) {
    const part = entity[`${name}${index}`];
    if (typeof part !== 'string') throw new Error(`Stored JSON ${name} is missing part ${index}.`);
    text += part;
  }
  return JSON.parse(text) as unknown;
}

/**
 * Row and partition keys may not contain `/ \ # ?` or control characters; device ids may contain `#` and `?`.
 * Percent-encodes those (and `%` itself) so any device id maps to a valid, reversible key.
 */
export function encodeKey(value: string): string {
  let key = '';
  for (const character of value) {
    const code = character.charCodeAt(0);
    const unsafe = '%/\\#?'.includes(character) || code < 0x20 || (code >= 0x7f && code <= 0x9f);
    key += unsafe ? `%${code.toString(16).padStart(2, '0').toUpperCase()}` : character;
  }
  return key;
}

export function decodeKey(key: string): string {
  return key.replace(/%([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** The HTTP status of a storage error (the SDK's RestError, or anything carrying a numeric `statusCode`). */
export function statusCodeOf(error: unknown): number | undefined {
  const status =
    typeof error === 'object' && error !== null ? (error as { statusCode?: unknown }).statusCode : undefined;
  return typeof status === 'number' ? status : undefined;
}

export const isConflict = (error: unknown): boolean => statusCodeOf(error) === 409;
export const isNotFound = (error: unknown): boolean => statusCodeOf(error) === 404;
export const isPreconditionFailed = (error: unknown): boolean => statusCodeOf(error) === 412;

/** A batch transaction holds at most 100 operations and 4 MiB; stay well below the size limit. */
export const MAX_BATCH_OPERATIONS = 100;
export const MAX_BATCH_CHARS = 1_500_000;

/** Groups actions (any partitions) into batch transactions: one partition each, split at the limits. */
export function partitionBatches(actions: readonly TransactionAction[]): TransactionAction[][] {
  const byPartition = new Map<string, TransactionAction[]>();
  for (const action of actions) {
    const partitionKey = action[1].partitionKey;
    const list = byPartition.get(partitionKey) ?? [];
    list.push(action);
    byPartition.set(partitionKey, list);
  }
  const batches: TransactionAction[][] = [];
  for (const list of byPartition.values()) {
    let batch: TransactionAction[] = [];
    let chars = 0;
    for (const action of list) {
      const size = JSON.stringify(action[1]).length;
      if (batch.length > 0 && (batch.length === MAX_BATCH_OPERATIONS || chars + size > MAX_BATCH_CHARS)) {
        batches.push(batch);
        batch = [];
        chars = 0;
      }
      batch.push(action);
      chars += size;
    }
    if (batch.length > 0) batches.push(batch);
  }
  return batches;
}

/** Submits actions (any partitions) as batch transactions, one after the other. */
export async function submitInBatches(client: TableClient, actions: TransactionAction[]): Promise<void> {
  for (const batch of partitionBatches(actions)) await client.submitTransaction(batch);
}

/** Deletes every entity matching `filter`, in batch transactions. */
export async function deleteWhere(client: TableClient, filter: string): Promise<void> {
  const actions: TransactionAction[] = [];
  for await (const entity of client.listEntities({
    queryOptions: { filter, select: ['PartitionKey', 'RowKey'] },
  })) {
    actions.push(['delete', { partitionKey: entity.partitionKey ?? '', rowKey: entity.rowKey ?? '' }]);
  }
  await submitInBatches(client, actions);
}

/** One page of a filtered listing; skips the empty pages Table Storage may answer with a continuation. */
export async function readPage<T extends object>(
  client: TableClient,
  filter: string,
  maxItems: number,
  continuationToken: string | undefined,
): Promise<{ entities: TableEntityResult<T>[]; continuationToken?: string }> {
  let token = continuationToken;
  for (;;) {
    const pages = client
      .listEntities<T>({ queryOptions: { filter } })
      .byPage({ maxPageSize: maxItems, ...(token ? { continuationToken: token } : {}) });
    const next = await pages.next();
    if (next.done) return { entities: [] };
    const page = next.value;
    token = page.continuationToken;
    if (page.length > 0 || !token) {
      return token ? { entities: [...page], continuationToken: token } : { entities: [...page] };
    }
  }
}
