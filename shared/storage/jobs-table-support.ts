import {
  type TableClient,
  type TableEntityResult,
  type TransactionAction,
  RestError,
} from '@azure/data-tables';

/**
 * Table Storage limits a string property to 64 KiB (UTF-16, so 32 Ki characters); longer JSON is split over
 * numbered properties `<name>0`, `<name>1`, … with `<name>Parts` giving the count.
 */
const PART_CHARS = 30_000;

/**
 * JSON with every non-ASCII character escaped (`\uXXXX`): sizes are predictable, and Azurite has been seen to
 * corrupt multi-byte characters that straddle its request chunks.
 */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
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

export function statusCodeOf(error: unknown): number | undefined {
  return error instanceof RestError ? error.statusCode : undefined;
}

/** A batch transaction holds at most 100 operations and 4 MiB; stay well below the size limit. */
const MAX_BATCH_OPERATIONS = 100;
const MAX_BATCH_CHARS = 1_500_000;

/** Submits actions (any partitions) as batch transactions, grouped per partition and split at the limits. */
export async function submitInBatches(client: TableClient, actions: TransactionAction[]): Promise<void> {
  const byPartition = new Map<string, TransactionAction[]>();
  for (const action of actions) {
    const partitionKey = action[1].partitionKey;
    const list = byPartition.get(partitionKey) ?? [];
    list.push(action);
    byPartition.set(partitionKey, list);
  }
  for (const list of byPartition.values()) {
    let batch: TransactionAction[] = [];
    let chars = 0;
    for (const action of list) {
      const size = JSON.stringify(action[1]).length;
      if (batch.length > 0 && (batch.length === MAX_BATCH_OPERATIONS || chars + size > MAX_BATCH_CHARS)) {
        await client.submitTransaction(batch);
        batch = [];
        chars = 0;
      }
      batch.push(action);
      chars += size;
    }
    if (batch.length > 0) await client.submitTransaction(batch);
  }
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
