import { type TableClient, type TransactionAction, odata } from '@azure/data-tables';
import type { DeviceIdListRepository } from '../jobs/core/ports';
import {
  PART_CHARS,
  asciiJson,
  deleteWhere,
  encodeKey,
  statusCodeOf,
  submitInBatches,
} from './table-support';

const chunkKey = (chunk: number) => String(chunk).padStart(8, '0');

/** Characters of JSON per row: one string property's worth. */
const MAX_CHUNK_CHARS = PART_CHARS;

/**
 * Device id lists of `deviceIds` jobs: PartitionKey = list id, RowKey = chunk number; each row holds a JSON array
 * of ids of at most 30,000 characters, so 100,000 ids take about 100 rows written in one or two batches.
 */
export class TableDeviceIdListRepository implements DeviceIdListRepository {
  constructor(private readonly client: TableClient) {}

  async save(listId: string, deviceIds: readonly string[]): Promise<void> {
    const partitionKey = encodeKey(listId);
    const actions: TransactionAction[] = [];
    let chunk: string[] = [];
    let chars = 2;
    const flush = () => {
      actions.push([
        'upsert',
        { partitionKey, rowKey: chunkKey(actions.length), ids: asciiJson(chunk) },
        'Replace',
      ]);
      chunk = [];
      chars = 2;
    };
    for (const id of deviceIds) {
      const size = JSON.stringify(id).length + 1;
      if (chunk.length > 0 && chars + size > MAX_CHUNK_CHARS) flush();
      chunk.push(id);
      chars += size;
    }
    if (chunk.length > 0) flush();
    await submitInBatches(this.client, actions);
  }

  async load(listId: string): Promise<string[]> {
    const ids: string[] = [];
    const filter = odata`PartitionKey eq ${encodeKey(listId)}`;
    for await (const row of this.client.listEntities<{ ids: string }>({ queryOptions: { filter } })) {
      ids.push(...(JSON.parse(row.ids) as string[]));
    }
    return ids;
  }

  async loadChunk(listId: string, chunk: number): Promise<string[] | undefined> {
    try {
      const row = await this.client.getEntity<{ ids: string }>(encodeKey(listId), chunkKey(chunk));
      return JSON.parse(row.ids) as string[];
    } catch (error: unknown) {
      if (statusCodeOf(error) === 404) return undefined;
      throw error;
    }
  }

  async delete(listId: string): Promise<void> {
    await deleteWhere(this.client, odata`PartitionKey eq ${encodeKey(listId)}`);
  }
}
