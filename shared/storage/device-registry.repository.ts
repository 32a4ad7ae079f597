import { ConcurrencyConflictError } from '../iothub-rules';
import { createHash } from 'node:crypto';
import { odata, type TableEntity, type TransactionAction } from '@azure/data-tables';
import * as v from 'valibot';
import type { DeviceRecord } from '../devices/device-model';
import { indexEntryKey, indexEntryPrefix, twinIndexEntries } from '../devices/twin-index';
import type { IndexEntry, ScalarType } from '../query';
import {
  type BatchOutcome,
  type IndexPage,
  type IndexPageRequest,
  type RegistryRepository,
  type ScanPosition,
  type StoredDevice,
} from '../devices/ports';
import { inParallel } from '../support/in-parallel';
import { CoalescedWrites } from './coalesced-writes';
import { IndexLayoutMigration } from './registry-index-migration';
import type { RegistryIndexTables } from './registry-index-tables';
import { column, parseStoredEntity, type StoredRow } from './stored-entity';
import {
  encodeKey,
  isConflict,
  isNotFound,
  isPreconditionFailed,
  jsonParts,
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

/** Table keys are at most 1 KiB: a long path or value is indexed under a digest (candidates are re-checked). */
const MAX_INDEX_KEY_CHARS = 512;

/**
 * Keys of the twin index table: the partition is one (path, type, value) entry, the row one device holding it, so
 * the devices of an entry are one partition read.
 */
export const indexKeys = {
  partitionKey(entry: IndexEntry): string {
    const key = encodeKey(indexEntryKey(entry));
    return key.length <= MAX_INDEX_KEY_CHARS ? key : `~h${createHash('sha256').update(key).digest('hex')}`;
  },
};

/** An index write: the table of its entry's path, and the action. */
interface IndexAction {
  table: string;
  action: TransactionAction;
}

function indexActions(
  tables: RegistryIndexTables,
  deviceId: string,
  entries: Iterable<IndexEntry>,
  kind: 'upsert' | 'delete',
): IndexAction[] {
  const rowKey = registryKeys.rowKey(deviceId);
  return [...entries].map((entry): IndexAction => {
    const keys = { partitionKey: indexKeys.partitionKey(entry), rowKey };
    return {
      table: tables.nameOf(entry.path),
      action: kind === 'upsert' ? ['upsert', { ...keys, deviceId }, 'Replace'] : ['delete', keys],
    };
  });
}

/** Entries of `next` missing from `previous` (to add) and of `previous` missing from `next` (to drop). */
function indexChange(previous: DeviceRecord | undefined, next: DeviceRecord | undefined) {
  const before = previous ? twinIndexEntries(previous) : new Map<string, IndexEntry>();
  const after = next ? twinIndexEntries(next) : new Map<string, IndexEntry>();
  return {
    added: [...after].filter(([key]) => !before.has(key)).map(([, entry]) => entry),
    removed: [...before].filter(([key]) => !after.has(key)).map(([, entry]) => entry),
  };
}

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

const jsonObject = column.object();
const twinSection = v.looseObject(
  { values: jsonObject, version: column.integer(), metadata: jsonObject },
  'must be a JSON object',
);

/**
 * A registry row read back: the record's identity, versions and twin sections are checked (what every reader
 * relies on); the rest is the registry's own writing. Kept small: full scans read every row.
 */
const RegistryRowSchema = v.object({
  record: v.looseObject(
    {
      deviceId: column.text(),
      generationId: column.text(),
      identityVersion: column.integer(),
      twinVersion: column.integer(),
      status: column.oneOf(['enabled', 'disabled']),
      statusReason: v.nullable(column.text()),
      statusUpdatedTime: column.text(),
      createdTime: column.text(),
      authentication: v.looseObject({ type: column.text() }, 'must be a JSON object'),
      capabilities: v.looseObject({ iotEdge: v.boolean('must be true or false') }, 'must be a JSON object'),
      tagsLastUpdated: column.text(),
      tags: jsonObject,
      desired: twinSection,
      reported: twinSection,
    },
    'must be a JSON object',
  ),
});

/** How many parts each record read from storage was stored in (see {@link writeMode}). */
const storedParts = new WeakMap<DeviceRecord, number>();

function fromEntity(table: string, entity: StoredRow): StoredDevice {
  const { record } = parseStoredEntity(table, RegistryRowSchema, entity, ['record']);
  storedParts.set(record as DeviceRecord, Number(entity.recordParts));
  return { record: record as DeviceRecord, storageEtag: entity.etag };
}

/**
 * How a device's row is rewritten. A merge writes the same row as a replace when the new row has every property
 * of the stored one (`deviceId`, `recordParts` and the record's parts: as many or more than before), and Azurite
 * updates a merged entity in place while it removes and re-inserts a replaced one, which costs in proportion to the
 * table (docs/devices.md). The stored parts are those `previous` was read from; for a record made since (a due
 * simulated report applied) they are counted from it: should that fall short of the stored count, a part past
 * `recordParts` is left behind, never read, until a write that shrinks the record replaces the row.
 */
function writeMode(entity: Entity, previous: DeviceRecord | undefined): 'Merge' | 'Replace' {
  if (previous === undefined) return 'Replace';
  const before = storedParts.get(previous) ?? jsonParts(previous);
  return before <= Number(entity.recordParts) ? 'Merge' : 'Replace';
}

/** The embedded registry's table: one entity per device holding its identity and twin. */
export class DeviceRegistryRepository implements RegistryRepository {
  /** Writes of single devices, gathered with concurrent ones into transactions. */
  private readonly rowWrites: CoalescedWrites;
  /** The same for index entries, per index table. */
  private readonly indexWrites = new Map<string, CoalescedWrites>();
  private readonly migration: IndexLayoutMigration | undefined;

  /**
   * `index`: the tables of the twin index (see docs/devices.md). Every write adds the device's new entries before
   * the device is written and drops the entries it no longer has afterwards, so a device is always findable by
   * what it holds; an entry left by a failed write only costs a point read.
   */
  constructor(
    private readonly table: LazyTable,
    private readonly index?: RegistryIndexTables,
    options: { log?: (message: string) => void } = {},
  ) {
    this.rowWrites = new CoalescedWrites(table);
    this.migration =
      index &&
      new IndexLayoutMigration({
        tables: index,
        scan: (scan) => this.scan(scan),
        writeEntries: (records) => this.writeIndex(records, 'upsert'),
        ...(options.log ? { log: options.log } : {}),
      });
  }

  /** The twin index's layout migration (docs/devices.md, "Index layout"), when this store keeps an index. */
  get indexMigration(): IndexLayoutMigration | undefined {
    return this.migration;
  }

  /** Every index entry of these devices, in batch transactions per table and partition, several in flight. */
  private async writeIndex(records: readonly DeviceRecord[], kind: 'upsert', parallelism = 8): Promise<void> {
    const { index } = this;
    if (!index || records.length === 0) return;
    const byTable = new Map<string, TransactionAction[]>();
    for (const record of records) {
      for (const { table, action } of indexActions(
        index,
        record.deviceId,
        twinIndexEntries(record).values(),
        kind,
      )) {
        const actions = byTable.get(table) ?? [];
        actions.push(action);
        byTable.set(table, actions);
      }
    }
    const batches = [...byTable].flatMap(([table, actions]) =>
      partitionBatches(actions).map((batch) => ({ table, batch })),
    );
    await inParallel(batches, parallelism, async ({ table, batch }) => {
      await (await index.open(table)).submitTransaction(batch);
    });
  }

  private coalescedIndexWrite({ table, action }: IndexAction): Promise<void> {
    const { index } = this;
    if (!index) return Promise.resolve();
    let writes = this.indexWrites.get(table);
    if (!writes) {
      writes = new CoalescedWrites(() => index.open(table));
      this.indexWrites.set(table, writes);
    }
    return writes.write(action);
  }

  /** One device's new index entries, written together with those of concurrent writes. */
  private async addIndex(deviceId: string, entries: Iterable<IndexEntry>): Promise<void> {
    const { index } = this;
    if (!index) return;
    await Promise.all(
      indexActions(index, deviceId, entries, 'upsert').map((write) => this.coalescedIndexWrite(write)),
    );
  }

  private async dropIndex(deviceId: string, entries: IndexEntry[]): Promise<void> {
    const { index } = this;
    if (!index) return;
    await Promise.all(
      indexActions(index, deviceId, entries, 'delete').map(async (write) => {
        try {
          await this.coalescedIndexWrite(write);
        } catch (error: unknown) {
          if (!isNotFound(error)) throw error;
        }
      }),
    );
  }

  /** The index answers when it is migrated; until then (a migration runs meanwhile) readers scan. */
  private async indexReady(): Promise<RegistryIndexTables | undefined> {
    const { index, migration } = this;
    return index && (await migration?.ready()) ? index : undefined;
  }

  async indexedDeviceIds(
    entries: readonly IndexEntry[],
    page: IndexPageRequest,
  ): Promise<IndexPage | undefined> {
    const index = await this.indexReady();
    if (!index) return undefined;
    const byKey = new Map<string, string>();
    const partitions = new Map<string, { table: string; partitionKey: string }>();
    for (const entry of entries) {
      const target = { table: index.nameOf(entry.path), partitionKey: indexKeys.partitionKey(entry) };
      partitions.set(`${target.table}/${target.partitionKey}`, target);
    }
    const start = page.from && registryKeys.rowKey(page.from.deviceId);
    let more = false;
    // The first `limit` keys of the union are among the first `limit` keys of each partition.
    await inParallel([...partitions.values()], 8, async ({ table, partitionKey }) => {
      const client = await index.open(table);
      const filter =
        start === undefined
          ? odata`PartitionKey eq ${partitionKey}`
          : page.from?.inclusive
            ? odata`PartitionKey eq ${partitionKey} and RowKey ge ${start}`
            : odata`PartitionKey eq ${partitionKey} and RowKey gt ${start}`;
      const pages = client
        .listEntities<{ deviceId?: string }>({ queryOptions: { filter, select: ['RowKey', 'deviceId'] } })
        .byPage({ maxPageSize: page.limit });
      let taken = 0;
      for await (const rows of pages) {
        for (const row of rows) {
          if (taken >= page.limit) {
            more = true;
            break;
          }
          if (typeof row.deviceId !== 'string' || typeof row.rowKey !== 'string') continue;
          byKey.set(row.rowKey, row.deviceId);
          taken += 1;
        }
        // Table Storage may answer a short page with a continuation: read on until the page is full.
        if (rows.continuationToken === undefined) break;
        if (taken >= page.limit) {
          more = true;
          break;
        }
      }
    });
    // The default sort compares UTF-16 code units: Table Storage's key order for these keys.
    const keys = [...byKey.keys()].sort();
    return {
      deviceIds: keys.slice(0, page.limit).map((key) => byKey.get(key) as string),
      more: more || keys.length > page.limit,
    };
  }

  /**
   * Counts the devices through `deviceId`'s key in the registry partition of that device and scales by the
   * partitions: devices spread over partitions by a hash of their id, so each partition holds a uniform sample of
   * the fleet in key order. One query of row keys only (on Azurite one pass over the table, no sort of the fleet).
   */
  async devicesThrough(deviceId: string, enough: number): Promise<number> {
    const client = await this.table();
    const partitionKey = registryKeys.partitionKey(deviceId);
    const wanted = Math.max(1, Math.ceil(enough / PARTITIONS));
    const pages = client
      .listEntities({
        queryOptions: {
          filter: odata`PartitionKey eq ${partitionKey} and RowKey le ${registryKeys.rowKey(deviceId)}`,
          select: ['RowKey'],
        },
      })
      .byPage({ maxPageSize: Math.min(1_000, wanted) });
    let counted = 0;
    for await (const rows of pages) {
      counted += rows.length;
      if (counted >= wanted) break;
    }
    return counted * PARTITIONS;
  }

  async valueTypesAt(indexPath: string): Promise<ScalarType[] | undefined> {
    const index = await this.indexReady();
    if (!index) return undefined;
    const client = await index.open(index.nameOf(indexPath));
    const types: ScalarType[] = ['string', 'number', 'boolean'];
    const held = await Promise.all(
      types.map(async (type) => {
        // The entry keys of a path and type share a prefix ending in ':'; ';' is the next character.
        const from = encodeKey(indexEntryPrefix(indexPath, type));
        const to = `${from.slice(0, -1)};`;
        const pages = client
          .listEntities({
            queryOptions: {
              filter: odata`PartitionKey ge ${from} and PartitionKey lt ${to}`,
              select: ['RowKey'],
            },
          })
          .byPage({ maxPageSize: 1 });
        // A range query may answer an empty page with a continuation: read on to the first row.
        for await (const page of pages) if (page.length > 0) return true;
        return false;
      }),
    );
    return types.filter((_, index) => held[index]);
  }

  async get(deviceId: string): Promise<StoredDevice | undefined> {
    const client = await this.table();
    try {
      const entity = await client.getEntity<Record<string, unknown>>(
        registryKeys.partitionKey(deviceId),
        registryKeys.rowKey(deviceId),
      );
      return fromEntity(client.tableName, entity);
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

  /** Inserts a new device; ConcurrencyConflictError (kind exists) if the id is taken. */
  async insert(record: DeviceRecord): Promise<void> {
    await this.migration?.beforeWrite();
    await this.addIndex(record.deviceId, twinIndexEntries(record).values());
    const client = await this.table();
    try {
      await client.createEntity(toEntity(record));
    } catch (error: unknown) {
      if (isConflict(error)) throw new ConcurrencyConflictError(`Device ${record.deviceId}`, 'exists');
      throw error;
    }
  }

  /** Replaces a device read at `storageEtag`; ConcurrencyConflictError (kind changed) if it changed meanwhile. */
  async replace(record: DeviceRecord, storageEtag: string, previous?: DeviceRecord): Promise<void> {
    const { added, removed } = indexChange(previous, record);
    await this.migration?.beforeWrite();
    await this.addIndex(record.deviceId, added);
    const entity = toEntity(record);
    try {
      await this.rowWrites.write(['update', entity, writeMode(entity, previous), { etag: storageEtag }]);
    } catch (error: unknown) {
      if (isPreconditionFailed(error))
        throw new ConcurrencyConflictError(`Device ${record.deviceId}`, 'changed');
      if (isNotFound(error)) throw new ConcurrencyConflictError(`Device ${record.deviceId}`, 'missing');
      throw error;
    }
    await this.dropIndex(record.deviceId, removed);
  }

  /** Deletes a device read at `storageEtag`. */
  async delete(deviceId: string, storageEtag: string, previous?: DeviceRecord): Promise<void> {
    const client = await this.table();
    try {
      await client.deleteEntity(registryKeys.partitionKey(deviceId), registryKeys.rowKey(deviceId), {
        etag: storageEtag,
      });
    } catch (error: unknown) {
      if (isPreconditionFailed(error)) throw new ConcurrencyConflictError(`Device ${deviceId}`, 'changed');
      if (isNotFound(error)) throw new ConcurrencyConflictError(`Device ${deviceId}`, 'missing');
      throw error;
    }
    if (previous) await this.dropIndex(deviceId, indexChange(previous, undefined).removed);
  }

  /**
   * Inserts many new devices with batch transactions (100 per partition and transaction, several partitions in
   * parallel). A transaction that fails (e.g. one id exists) is retried device by device so every device gets
   * its own outcome.
   */
  async insertMany(records: readonly DeviceRecord[], parallelism = 8): Promise<BatchOutcome[]> {
    await this.migration?.beforeWrite();
    await this.writeIndex(records, 'upsert', parallelism);
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
          device: fromEntity(client.tableName, entity),
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
