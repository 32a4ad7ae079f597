import { ConcurrencyConflictError, isPlainObject } from '../iothub-rules';
import { createHash } from 'node:crypto';
import { odata, type TableEntity, type TransactionAction } from '@azure/data-tables';
import * as v from 'valibot';
import type { DeviceRecord, JsonObject } from '../devices/device-model';
import { indexEntryKey, indexEntryPrefix, tagsExtend, twinIndexEntries } from '../devices/twin-index';
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
  decodeKey,
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

/**
 * The column of an index row holding the copy of its device's tags (JSON), `''` while the row is pending: written
 * before its device, and not yet given the copy of a device write that succeeded (docs/devices.md, "Covering
 * entries"). A row without the column (written before covering entries) reads as pending.
 */
const TAGS_COPY = 'tags';
/** Tags longer than this as JSON are not copied: their rows stay pending (a point read each, as before). */
const MAX_TAGS_COPY_CHARS = 4_096;

function indexRowKeys(entry: IndexEntry, deviceId: string) {
  return { partitionKey: indexKeys.partitionKey(entry), rowKey: registryKeys.rowKey(deviceId) };
}

/** Marks an index row pending: merged, so an existing row is updated in place. */
function pendingAction(keys: { partitionKey: string; rowKey: string }, deviceId: string): TransactionAction {
  return ['upsert', { ...keys, deviceId, [TAGS_COPY]: '' }, 'Merge'];
}

/** A device's tags as the copy its index rows carry, or undefined when too long to copy. */
function tagsCopy(record: DeviceRecord): string | undefined {
  const copy = JSON.stringify(record.tags);
  return copy.length > MAX_TAGS_COPY_CHARS ? undefined : copy;
}

/** How a write creates its device's index rows: with the copy of its tags, or pending when they are too long. */
function creationOf(record: DeviceRecord): { create: string } | 'pending' {
  const copy = tagsCopy(record);
  return copy === undefined ? 'pending' : { create: copy };
}

/**
 * Index actions on a device's entries: `create` inserts a row with the copy of `record`'s tags (refused when the
 * row exists, so it never overwrites another write's row); `pending` marks a row pending (merged, so an existing
 * row is updated in place); `leaving` touches an existing row without changing it (refused when it is missing), so
 * the write that no longer holds the entry can delete the row under the etag this gives it.
 */
function indexActions(
  tables: RegistryIndexTables,
  deviceId: string,
  entries: Iterable<IndexEntry>,
  kind: { create: string } | 'pending' | 'leaving',
): IndexAction[] {
  return [...entries].map((entry): IndexAction => {
    const keys = indexRowKeys(entry, deviceId);
    const table = tables.nameOf(entry.path);
    if (kind === 'leaving') return { table, action: ['update', { ...keys, deviceId }, 'Merge'] };
    if (kind === 'pending') return { table, action: pendingAction(keys, deviceId) };
    return { table, action: ['create', { ...keys, deviceId, [TAGS_COPY]: kind.create }] };
  });
}

/** Index actions as batch transactions: one table and partition each, split at the limits. */
function tableBatches(actions: readonly IndexAction[]): Array<{ table: string; batch: TransactionAction[] }> {
  const byTable = new Map<string, TransactionAction[]>();
  for (const { table, action } of actions) {
    const list = byTable.get(table) ?? [];
    list.push(action);
    byTable.set(table, list);
  }
  return [...byTable].flatMap(([table, list]) => partitionBatches(list).map((batch) => ({ table, batch })));
}

/** Whether an index row's copy of its device's tags admits the device (a row without a copy always does). */
function admittedByCopy(admits: IndexPageRequest['admits'], copy: unknown): boolean {
  if (!admits || typeof copy !== 'string' || copy === '') return true;
  try {
    const tags: unknown = JSON.parse(copy);
    return !isPlainObject(tags) || admits(tags as JsonObject);
  } catch {
    return true;
  }
}

/** An index row written pending by this write, with the etag that write gave it. */
interface PendingRow {
  table: string;
  keys: { partitionKey: string; rowKey: string };
  etag: string | undefined;
}

/**
 * The copy actions for rows this write marked pending, after its device write succeeded: each a merge under the
 * etag of the pending write, so it fails (leaving the row pending) if any later write touched the row.
 */
function copyActions(rows: readonly PendingRow[], record: DeviceRecord): IndexAction[] {
  const copy = tagsCopy(record);
  if (copy === undefined) return [];
  return rows.flatMap(({ table, keys, etag }): IndexAction[] =>
    etag === undefined
      ? []
      : [{ table, action: ['update', { ...keys, [TAGS_COPY]: copy }, 'Merge', { etag }] }],
  );
}

/**
 * The index rows a write of `next` over `previous` writes before the device write, and those it drops after. A
 * write that only adds tags (see `tagsExtend`) writes its new entries (`added`): the copies the other rows carry stay
 * sound. Any other tag change also marks the entries it keeps pending (`carried`): their copies would be stale.
 * Their rows exist (`previous` held them), so they are marked at once instead of after a refused create.
 */
function indexChange(previous: DeviceRecord | undefined, next: DeviceRecord | undefined) {
  const before = previous ? twinIndexEntries(previous) : new Map<string, IndexEntry>();
  const after = next ? twinIndexEntries(next) : new Map<string, IndexEntry>();
  const extended = previous !== undefined && next !== undefined && tagsExtend(previous.tags, next.tags);
  const kept = [...after].filter(([key]) => before.has(key)).map(([, entry]) => entry);
  return {
    added: [...after].filter(([key]) => !before.has(key)).map(([, entry]) => entry),
    carried: extended ? [] : kept,
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
   * `index`: the tables of the twin index (see docs/devices.md). Every write marks the device's new entries pending
   * before the device is written, gives them the copy of its tags once that write succeeded, and drops the entries
   * it no longer has afterwards (each under the etag of a touch before the write, so never a later write's row), so
   * a device is always findable by what it holds; an entry left by a failed write only costs a point read.
   */
  constructor(
    private readonly table: LazyTable,
    private readonly index?: RegistryIndexTables,
    private readonly options: { log?: (message: string) => void } = {},
  ) {
    this.rowWrites = new CoalescedWrites(table);
    this.migration =
      index &&
      new IndexLayoutMigration({
        tables: index,
        scan: (scan) => this.scan(scan),
        writeEntries: (records) => this.markPendingMany(records),
        ...(options.log ? { log: options.log } : {}),
      });
  }

  /** The twin index's layout migration (docs/devices.md, "Index layout"), when this store keeps an index. */
  get indexMigration(): IndexLayoutMigration | undefined {
    return this.migration;
  }

  /**
   * Marks every index entry of these devices pending (the migration: it read the devices earlier, so it gives no
   * copy), in batch transactions per table and partition, several in flight.
   */
  private async markPendingMany(records: readonly DeviceRecord[], parallelism = 8): Promise<void> {
    const { index } = this;
    if (!index) return;
    const actions = records.flatMap((record) =>
      indexActions(index, record.deviceId, twinIndexEntries(record).values(), 'pending'),
    );
    await inParallel(tableBatches(actions), parallelism, async ({ table, batch }) => {
      await (await index.open(table)).submitTransaction(batch);
    });
  }

  /**
   * The index rows of new devices, before the devices are written: created with their copies in batch
   * transactions per table and partition, several in flight; a transaction refused (a row exists) is retried row
   * by row ({@link writeRowsBefore}). The rows that went pending, by device.
   */
  private async writeRowsBeforeMany(
    records: readonly DeviceRecord[],
    parallelism: number,
  ): Promise<Map<string, PendingRow[]>> {
    const pending = new Map<string, PendingRow[]>();
    const { index } = this;
    if (!index) return pending;
    const byRow = new Map<IndexAction['action'], DeviceRecord>();
    const actions = records.flatMap((record) => {
      const made = indexActions(
        index,
        record.deviceId,
        twinIndexEntries(record).values(),
        creationOf(record),
      );
      for (const { action } of made) byRow.set(action, record);
      return made;
    });
    await inParallel(tableBatches(actions), parallelism, async ({ table, batch }) => {
      try {
        // Rows created with their copies, or (tags too long to copy) marked pending for good.
        await (await index.open(table)).submitTransaction(batch);
        return;
      } catch (error: unknown) {
        if (!isHttpClientError(error)) throw error;
      }
      await Promise.all(
        batch.map(async (action) => {
          const record = byRow.get(action) as DeviceRecord;
          const rows = await this.writeRowBefore({ table, action }, record);
          if (rows) pending.set(record.deviceId, [...(pending.get(record.deviceId) ?? []), rows]);
        }),
      );
    });
    return pending;
  }

  private coalescedIndexWrite({ table, action }: IndexAction): Promise<string | undefined> {
    const { index } = this;
    if (!index) return Promise.resolve(undefined);
    let writes = this.indexWrites.get(table);
    if (!writes) {
      writes = new CoalescedWrites(() => index.open(table));
      this.indexWrites.set(table, writes);
    }
    return writes.write(action);
  }

  /**
   * One device's index rows before the device is written (together with those of concurrent writes): a row that
   * does not exist is created with the copy of the record's tags; one that does is marked pending (given its copy
   * once the device write succeeded, {@link giveCopies}). `pending`: rows of entries the stored device holds, which
   * exist, are marked pending without trying a create first. The rows that went pending.
   */
  private async writeRowsBefore(
    record: DeviceRecord,
    entries: Iterable<IndexEntry>,
    kind: 'create' | 'pending' = 'create',
  ): Promise<PendingRow[]> {
    const { index } = this;
    if (!index) return [];
    const writes = indexActions(
      index,
      record.deviceId,
      entries,
      kind === 'pending' ? kind : creationOf(record),
    );
    const rows = await Promise.all(writes.map((write) => this.writeRowBefore(write, record)));
    return rows.filter((row): row is PendingRow => row !== undefined);
  }

  /** {@link writeRowsBefore} for one row: undefined when it was created with its copy. */
  private async writeRowBefore(write: IndexAction, record: DeviceRecord): Promise<PendingRow | undefined> {
    const [kind, { partitionKey, rowKey }] = write.action;
    if (kind === 'create') {
      try {
        await this.coalescedIndexWrite(write);
        return undefined;
      } catch (error: unknown) {
        if (!isConflict(error)) throw error;
      }
    }
    const keys = { partitionKey, rowKey };
    const etag = await this.coalescedIndexWrite({
      table: write.table,
      action: pendingAction(keys, record.deviceId),
    });
    return { table: write.table, keys, etag };
  }

  /**
   * Gives rows this write marked pending the copy of the tags it wrote (after the device write succeeded). A copy
   * refused (a later write touched the row) or lost leaves the row pending: it costs a point read, never a match.
   */
  private async giveCopies(rows: readonly PendingRow[], record: DeviceRecord): Promise<void> {
    await Promise.all(copyActions(rows, record).map((write) => this.giveCopy(write)));
  }

  /**
   * {@link giveCopies} for many devices: in transactions per table and partition, several in flight; a
   * transaction refused (one row was touched since) is retried row by row.
   */
  private async giveCopiesMany(copies: readonly IndexAction[], parallelism: number): Promise<void> {
    const { index } = this;
    if (!index) return;
    await inParallel(tableBatches(copies), parallelism, async ({ table, batch }) => {
      try {
        await (await index.open(table)).submitTransaction(batch);
      } catch {
        await Promise.all(batch.map((action) => this.giveCopy({ table, action })));
      }
    });
  }

  private async giveCopy(write: IndexAction): Promise<void> {
    try {
      await this.coalescedIndexWrite(write);
    } catch (error: unknown) {
      const deviceId = decodeKey(write.action[1].rowKey);
      this.logUnlessOvertaken(error, `a copy of ${deviceId}'s tags was not written`);
    }
  }

  /**
   * An index write under an etag that another write overtook (412) or removed (404) leaves the row to that write,
   * as the protocol means it to; any other failure leaves a row that only costs a point read, and is logged.
   */
  private logUnlessOvertaken(error: unknown, what: string): void {
    if (isPreconditionFailed(error) || isNotFound(error)) return;
    this.options.log?.(`Twin index: ${what}: ${String(error)}`);
  }

  /**
   * Before a write that leaves entries: touches their rows, so that afterwards it deletes each only under the etag
   * it gave it ({@link dropRows}). A later write of the device that holds the entry again writes the row in between
   * (its step 1), and a delete arriving after that fails instead of hiding the device. The rows touched.
   */
  private async touchLeaving(deviceId: string, entries: readonly IndexEntry[]): Promise<PendingRow[]> {
    const { index } = this;
    if (!index) return [];
    const rows = await Promise.all(
      indexActions(index, deviceId, entries, 'leaving').map(async (write): Promise<PendingRow[]> => {
        const [, { partitionKey, rowKey }] = write.action;
        try {
          const etag = await this.coalescedIndexWrite(write);
          return [{ table: write.table, keys: { partitionKey, rowKey }, etag }];
        } catch (error: unknown) {
          if (isNotFound(error)) return [];
          throw error;
        }
      }),
    );
    return rows.flat();
  }

  /**
   * After the device write: deletes the rows {@link touchLeaving} touched, each under its etag. A row touched since
   * belongs to a later write and stays; one not deleted otherwise stays too, costing a point read, never a match.
   */
  private async dropRows(rows: readonly PendingRow[]): Promise<void> {
    const { index } = this;
    if (!index) return;
    await Promise.all(
      rows.map(async ({ table, keys, etag }) => {
        if (etag === undefined) return;
        try {
          await (await index.open(table)).deleteEntity(keys.partitionKey, keys.rowKey, { etag });
        } catch (error: unknown) {
          this.logUnlessOvertaken(
            error,
            `an entry ${decodeKey(keys.rowKey)} no longer holds was not deleted`,
          );
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
    const byKey = new Map<string, { deviceId: string; admitted: boolean }>();
    const partitions = new Map<string, { table: string; partitionKey: string }>();
    for (const entry of entries) {
      const target = { table: index.nameOf(entry.path), partitionKey: indexKeys.partitionKey(entry) };
      partitions.set(`${target.table}/${target.partitionKey}`, target);
    }
    const start = page.from && registryKeys.rowKey(page.from.deviceId);
    const select = page.admits ? ['RowKey', 'deviceId', TAGS_COPY] : ['RowKey', 'deviceId'];
    let more = false;
    // The first `limit` keys of the union are among the first `limit` keys of each partition, so every row of
    // those devices is read: a device is a candidate if any of its rows admits it.
    await inParallel([...partitions.values()], 8, async ({ table, partitionKey }) => {
      const client = await index.open(table);
      const filter =
        start === undefined
          ? odata`PartitionKey eq ${partitionKey}`
          : page.from?.inclusive
            ? odata`PartitionKey eq ${partitionKey} and RowKey ge ${start}`
            : odata`PartitionKey eq ${partitionKey} and RowKey gt ${start}`;
      const pages = client
        .listEntities<{ deviceId?: string; [TAGS_COPY]?: unknown }>({ queryOptions: { filter, select } })
        .byPage({ maxPageSize: page.limit });
      let taken = 0;
      for await (const rows of pages) {
        for (const row of rows) {
          if (taken >= page.limit) {
            more = true;
            break;
          }
          if (typeof row.deviceId !== 'string' || typeof row.rowKey !== 'string') continue;
          const admitted = admittedByCopy(page.admits, row[TAGS_COPY]);
          const known = byKey.get(row.rowKey);
          byKey.set(row.rowKey, { deviceId: row.deviceId, admitted: admitted || (known?.admitted ?? false) });
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
    const covered = [...byKey.keys()].sort().slice(0, page.limit);
    const last = covered[covered.length - 1];
    const result: IndexPage = {
      deviceIds: covered.flatMap((key) => {
        const row = byKey.get(key);
        return row?.admitted ? [row.deviceId] : [];
      }),
      more: more || byKey.size > page.limit,
      covered: covered.length,
    };
    const lastRow = last === undefined ? undefined : byKey.get(last);
    if (lastRow) result.lastRead = lastRow.deviceId;
    return result;
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
    const pending = await this.writeRowsBefore(record, twinIndexEntries(record).values());
    const client = await this.table();
    try {
      await client.createEntity(toEntity(record));
    } catch (error: unknown) {
      if (isConflict(error)) throw new ConcurrencyConflictError(`Device ${record.deviceId}`, 'exists');
      throw error;
    }
    await this.giveCopies(pending, record);
  }

  /** Replaces a device read at `storageEtag`; ConcurrencyConflictError (kind changed) if it changed meanwhile. */
  async replace(record: DeviceRecord, storageEtag: string, previous?: DeviceRecord): Promise<void> {
    const { added, carried, removed } = indexChange(previous, record);
    await this.migration?.beforeWrite();
    const [created, marked, leaving] = await Promise.all([
      this.writeRowsBefore(record, added),
      this.writeRowsBefore(record, carried, 'pending'),
      this.touchLeaving(record.deviceId, removed),
    ]);
    const pending = [...created, ...marked];
    const entity = toEntity(record);
    try {
      await this.rowWrites.write(['update', entity, writeMode(entity, previous), { etag: storageEtag }]);
    } catch (error: unknown) {
      if (isPreconditionFailed(error))
        throw new ConcurrencyConflictError(`Device ${record.deviceId}`, 'changed');
      if (isNotFound(error)) throw new ConcurrencyConflictError(`Device ${record.deviceId}`, 'missing');
      throw error;
    }
    await Promise.all([this.giveCopies(pending, record), this.dropRows(leaving)]);
  }

  /** Deletes a device read at `storageEtag`. */
  async delete(deviceId: string, storageEtag: string, previous?: DeviceRecord): Promise<void> {
    const leaving = previous
      ? await this.touchLeaving(deviceId, indexChange(previous, undefined).removed)
      : [];
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
    await this.dropRows(leaving);
  }

  /**
   * Inserts many new devices with batch transactions (100 per partition and transaction, several partitions in
   * parallel). A transaction that fails (e.g. one id exists) is retried device by device so every device gets
   * its own outcome.
   */
  async insertMany(records: readonly DeviceRecord[], parallelism = 8): Promise<BatchOutcome[]> {
    await this.migration?.beforeWrite();
    const pending = await this.writeRowsBeforeMany(records, parallelism);
    const client = await this.table();
    const outcomes: BatchOutcome[] = [];
    const byId = new Map(records.map((record) => [record.deviceId, record]));
    const actions = records.map((record): TransactionAction => ['create', toEntity(record)]);
    const created: IndexAction[] = [];
    await inParallel(partitionBatches(actions), parallelism, async (batch) => {
      const batchRecords = batch.map((action) => byId.get(String(action[1].deviceId)) as DeviceRecord);
      try {
        await client.submitTransaction(batch);
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
        return;
      }
      for (const record of batchRecords) {
        outcomes.push({ deviceId: record.deviceId, ok: true });
        created.push(...copyActions(pending.get(record.deviceId) ?? [], record));
      }
    });
    await this.giveCopiesMany(created, parallelism);
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
