import { randomUUID } from 'node:crypto';
import type { DeviceRecord } from '../devices/device-model';
import type { ScanPosition, StoredDevice } from '../devices/ports';
import type { RegistryIndexTables } from './registry-index-tables';
import { releaseTableLease, takeTableLease } from './table-lease';
import { isConflict, isNotFound } from './table-support';

const STATE_PARTITION = 'layout';
const STATE_ROW = 'perPath';
const LEASE_ROW = 'perPath-lease';
/** A migration page: one registry page read, its devices' entries written, the cursor saved. */
const PAGE_ROWS = 1_000;
const LEASE_MS = 60_000;
/** How long a host trusts "still migrating" before reading the state row again. */
const RECHECK_MS = 2_000;

interface LayoutState {
  state: 'migrating' | 'done';
  /** The last device whose entries are written (registry keys), absent before the first page. */
  afterPartitionKey?: string;
  afterRowKey?: string;
  migrated: number;
}

/** What the migration reads and writes through the registry repository. */
export interface IndexMigrationPorts {
  tables: RegistryIndexTables;
  /** The registry in key order after a position, in pages of about `pageSize`. */
  scan(options: {
    after?: ScanPosition;
    pageSize: number;
  }): AsyncIterable<{ device: StoredDevice; position: ScanPosition }>;
  /** Writes every index entry of these devices into the per-path tables (idempotent). */
  writeEntries(records: readonly DeviceRecord[]): Promise<void>;
  /** Progress and failures (a failed migration is retried by the next reader). */
  log?: (message: string) => void;
}

/**
 * The move from one twin-index table for every path to a table per path (docs/devices.md, "Index layout").
 * Writes always go to the per-path tables. A store that had devices before them is migrated on first use:
 * one host at a time (a lease row) rebuilds the per-path entries from the registry, page by page, saving its
 * cursor after each page (a killed host's successor resumes there), then drops the old table. Until the state row
 * says `done`, readers get no index and scan, which is always correct. A store with no device yet starts `done`.
 */
export class IndexLayoutMigration {
  private done = false;
  private checkedAt = Number.NEGATIVE_INFINITY;
  /** The state check under way: concurrent readers share its answer (a fresh host's first queries included). */
  private checking: Promise<boolean> | undefined;
  private running: Promise<void> | undefined;
  private settled: Promise<LayoutState> | undefined;
  private readonly holder = randomUUID();

  constructor(private readonly ports: IndexMigrationPorts) {}

  /**
   * Whether the per-path index answers queries. While it does not, a migration is started in the background
   * (unless one runs in this process; another host may hold it).
   */
  async ready(): Promise<boolean> {
    if (this.done) return true;
    if (this.checking) return this.checking;
    if (Date.now() - this.checkedAt < RECHECK_MS) return false;
    this.checkedAt = Date.now();
    this.checking = this.check().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  private async check(): Promise<boolean> {
    const state = (await this.readState()) ?? (await this.settle());
    if (state.state === 'done') {
      this.done = true;
      return true;
    }
    this.running ??= this.migrate()
      .catch((error: unknown) => {
        this.ports.log?.(`Twin index migration failed (retried on next use): ${String(error)}`);
      })
      .finally(() => {
        this.running = undefined;
      });
    return false;
  }

  /** Before this process's first registry write: a store with no state row and no device needs no migration. */
  async beforeWrite(): Promise<void> {
    if (this.done) return;
    this.settled ??= this.readState()
      .then((state) => state ?? this.settle())
      .catch((error: unknown) => {
        this.settled = undefined;
        throw error;
      });
    if ((await this.settled).state === 'done') this.done = true;
  }

  /** The migration in this process, if one runs (tests wait for it). */
  get inProgress(): Promise<void> | undefined {
    return this.running;
  }

  /** Records whether the store needs a migration: it does if it holds a device. The first writer wins. */
  private async settle(): Promise<LayoutState> {
    let empty = true;
    for await (const _ of this.ports.scan({ pageSize: 1 })) {
      empty = false;
      break;
    }
    const state: LayoutState = { state: empty ? 'done' : 'migrating', migrated: 0 };
    const client = await this.ports.tables.state();
    try {
      await client.createEntity({ partitionKey: STATE_PARTITION, rowKey: STATE_ROW, ...state });
      return state;
    } catch (error: unknown) {
      if (!isConflict(error)) throw error;
      return (await this.readState()) ?? state;
    }
  }

  private async readState(): Promise<LayoutState | undefined> {
    const client = await this.ports.tables.state();
    try {
      const row = await client.getEntity<Record<string, unknown>>(STATE_PARTITION, STATE_ROW);
      const state: LayoutState = {
        state: row.state === 'done' ? 'done' : 'migrating',
        migrated: typeof row.migrated === 'number' ? row.migrated : 0,
      };
      if (typeof row.afterPartitionKey === 'string' && typeof row.afterRowKey === 'string') {
        state.afterPartitionKey = row.afterPartitionKey;
        state.afterRowKey = row.afterRowKey;
      }
      return state;
    } catch (error: unknown) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  private async saveState(state: LayoutState): Promise<void> {
    const client = await this.ports.tables.state();
    await client.upsertEntity({ partitionKey: STATE_PARTITION, rowKey: STATE_ROW, ...state }, 'Replace');
  }

  private async hold(): Promise<boolean> {
    const client = await this.ports.tables.state();
    return takeTableLease(client, STATE_PARTITION, LEASE_ROW, this.holder, new Date(Date.now() + LEASE_MS));
  }

  private async migrate(): Promise<void> {
    if (!(await this.hold())) return;
    try {
      let state = (await this.readState()) ?? { state: 'migrating', migrated: 0 };
      while (state.state === 'migrating') {
        const after =
          state.afterPartitionKey === undefined || state.afterRowKey === undefined
            ? undefined
            : { partitionKey: state.afterPartitionKey, rowKey: state.afterRowKey };
        const records: DeviceRecord[] = [];
        let last: ScanPosition | undefined;
        for await (const { device, position } of this.ports.scan({
          ...(after ? { after } : {}),
          pageSize: PAGE_ROWS,
        })) {
          records.push(device.record);
          last = position;
          if (records.length === PAGE_ROWS) break;
        }
        await this.ports.writeEntries(records);
        const migrated = state.migrated + records.length;
        if (records.length < PAGE_ROWS || !last) {
          await this.ports.tables.dropLegacy();
          state = { state: 'done', migrated };
        } else {
          state = {
            state: 'migrating',
            afterPartitionKey: last.partitionKey,
            afterRowKey: last.rowKey,
            migrated,
          };
        }
        // Lost the lease (this host stalled past it): the new holder goes on from the saved cursor.
        if (!(await this.hold())) return;
        await this.saveState(state);
        this.ports.log?.(`Twin index migration: ${migrated} devices indexed in the per-path tables.`);
      }
      this.done = true;
    } finally {
      const client = await this.ports.tables.state();
      await releaseTableLease(client, STATE_PARTITION, LEASE_ROW, this.holder);
    }
  }
}
