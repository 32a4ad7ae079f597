import { createHash } from 'node:crypto';
import { odata, type TableEntity, type TableEntityResult, type TransactionAction } from '@azure/data-tables';
import type { DeviceRecord } from '../devices/device-model';
import {
  StorageConflictError,
  type BatchOutcome,
  type RegistryRepository,
  type ScanPosition,
  type StoredDevice,
} from '../devices/ports';
import { inParallel } from '../support/in-parallel';
import {
  encodeKey,
  isConflict,
  isNotFound,
  isPreconditionFailed,
  joinJson,
  partitionBatches,
  splitJson,
  statusCodeOf,
  type LazyTable,
} from './table-support';

const PARTITIONS = 32;

/**
 * Keys of the registry table. Devices spread over 32 partitions by a hash of their id (so bulk writes run as
 * batch transactions in parallel partitions); the row key is the id, key-escaped (`%` and `?` of device ids).
 */
export const registryKeys = {
  partitionKey(deviceId: string): string {
    const bucket = createHash('sha256').update(deviceId).digest().readUInt8(0) % PARTITIONS;
    return `d${bucket.toString().padStart(2, '0')}`;
  },
  rowKey(deviceId: string): string {
    return encodeKey(deviceId);
  },
};

type Entity = TableEntity<Record<string, unknown>>;

// Few properties make writes cheaper (Azurite's cost grows with them): the record is one JSON document, split
// over `record0`, `record1`… when it outgrows a string property (a full twin can reach ~150 K characters).
function toEntity(record: DeviceRecord): Entity {
  const entity: Entity = {
    partitionKey: registryKeys.partitionKey(record.deviceId),
    rowKey: registryKeys.rowKey(record.deviceId),
    deviceId: record.deviceId,
  };
  return { ...entity, ...splitJson('record', record) };
}

function fromEntity(entity: TableEntityResult<Record<string, unknown>>): StoredDevice {
  const record = joinJson('record', entity);
  if (record === undefined) throw new Error(`Registry entity ${String(entity.rowKey)} holds no record.`);
  return { record: record as DeviceRecord, storageEtag: entity.etag };
}

/** The embedded registry's table: one entity per device holding its identity and twin. */
export class DeviceRegistryRepository implements RegistryRepository {
  constructor(private readonly table: LazyTable) {}

  async get(deviceId: string): Promise<StoredDevice | undefined> {
    const client = await this.table();
    try {
      const entity = await client.getEntity<Record<string, unknown>>(
        registryKeys.partitionKey(deviceId),
        registryKeys.rowKey(deviceId),
      );
      return fromEntity(entity);
    } catch (error: unknown) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Point reads of many devices (missing ones are left out), in the order given. */
  async getMany(deviceIds: readonly string[], parallelism = 16): Promise<StoredDevice[]> {
    const found = new Array<StoredDevice | undefined>(deviceIds.length);
    await inParallel(
      deviceIds.map((id, index) => ({ id, index })),
      parallelism,
      async ({ id, index }) => {
        found[index] = await this.get(id);
      },
    );
    return found.filter((device): device is StoredDevice => device !== undefined);
  }

  /** Inserts a new device; StorageConflictError('exists') if the id is taken. */
  async insert(record: DeviceRecord): Promise<void> {
    const client = await this.table();
    try {
      await client.createEntity(toEntity(record));
    } catch (error: unknown) {
      if (isConflict(error)) throw new StorageConflictError(record.deviceId, 'exists');
      throw error;
    }
  }

  /** Replaces a device read at `storageEtag`; StorageConflictError('changed') if it changed meanwhile. */
  async replace(record: DeviceRecord, storageEtag: string): Promise<void> {
    const client = await this.table();
    try {
      await client.updateEntity(toEntity(record), 'Replace', { etag: storageEtag });
    } catch (error: unknown) {
      if (isPreconditionFailed(error)) throw new StorageConflictError(record.deviceId, 'changed');
      if (isNotFound(error)) throw new StorageConflictError(record.deviceId, 'missing');
      throw error;
    }
  }

  /** Deletes a device read at `storageEtag`. */
  async delete(deviceId: string, storageEtag: string): Promise<void> {
    const client = await this.table();
    try {
      await client.deleteEntity(registryKeys.partitionKey(deviceId), registryKeys.rowKey(deviceId), {
        etag: storageEtag,
      });
    } catch (error: unknown) {
      if (isPreconditionFailed(error)) throw new StorageConflictError(deviceId, 'changed');
      if (isNotFound(error)) throw new StorageConflictError(deviceId, 'missing');
      throw error;
    }
  }

  /**
   * Inserts many new devices with batch transactions (100 per partition and transaction, several partitions in
   * parallel). A transaction that fails (e.g. one id exists) is retried device by device so every device gets
   * its own outcome.
   */
  async insertMany(records: readonly DeviceRecord[], parallelism = 8): Promise<BatchOutcome[]> {
    const client = await this.table();
    const outcomes: BatchOutcome[] = [];
    const byId = new Map(records.map((record) => [record.deviceId, record]));
    const actions = records.map((record): TransactionAction => ['create', toEntity(record)]);
    await inParallel(partitionBatches(actions), parallelism, async (batch) => {
      const batchRecords = batch.map((action) => byId.get(String(action[1].deviceId)) as DeviceRecord);
      try {
        await client.submitTransaction(batch);
        for (const record of batchRecords) outcomes.push({ deviceId: record.deviceId, ok: true });
      } catch (error: unknown) {
        if (!isHttpClientError(error)) throw error;
        for (const record of batchRecords) {
          try {
            await this.insert(record);
            outcomes.push({ deviceId: record.deviceId, ok: true });
          } catch (single: unknown) {
            outcomes.push({ deviceId: record.deviceId, ok: false, error: single });
          }
        }
      }
    });
    return outcomes;
  }

  /**
   * Scans the registry in key order after `after`, optionally narrowed by an OData filter, yielding devices
   * with the position to resume after each.
   */
  async *scan(
    options: { after?: ScanPosition; filter?: string; pageSize?: number } = {},
  ): AsyncGenerator<{ device: StoredDevice; position: ScanPosition }> {
    const client = await this.table();
    const clauses: string[] = [];
    if (options.after) {
      const { partitionKey, rowKey } = options.after;
      clauses.push(
        odata`(PartitionKey gt ${partitionKey} or (PartitionKey eq ${partitionKey} and RowKey gt ${rowKey}))`,
      );
    }
    if (options.filter) clauses.push(`(${options.filter})`);
    const pages = client
      .listEntities<Record<string, unknown>>({
        queryOptions: clauses.length > 0 ? { filter: clauses.join(' and ') } : {},
      })
      .byPage({ maxPageSize: options.pageSize ?? 1000 });
    for await (const page of pages) {
      for (const entity of page) {
        yield {
          device: fromEntity(entity),
          position: { partitionKey: entity.partitionKey ?? '', rowKey: entity.rowKey ?? '' },
        };
      }
    }
  }
}

function isHttpClientError(error: unknown): boolean {
  const status = statusCodeOf(error);
  return status !== undefined && status >= 400 && status < 500;
}
