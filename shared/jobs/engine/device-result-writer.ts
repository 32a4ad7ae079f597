import { isTerminalDeviceJobStatus, type DeviceJobRecord, type DeviceJobStatus } from '../core/job-model';
import { type ShardCounters, countDeviceStatuses } from '../core/job-statistics';
import type { CancelTimer, Delays, DeviceJobRepository, JobRepository } from '../core/ports';
import { Semaphore } from './semaphore';

export interface ResultWriterOptions {
  /** Buffered rows and counters are written at least this often (the first result is stored within it). */
  flushIntervalMs: number;
  /** A device still in flight after this long is written `running`; quicker devices go straight to their end. */
  runningMarkDelayMs: number;
  /**
   * A shard's `pending` rows not yet ended after this long are written `pending` (devices resolved ahead show up
   * as pending); most end first and are written once, as results. Storage may pay more for a rewrite than for a
   * write (Azurite removes and re-inserts an updated entity: its cost grows with the table).
   */
  pendingWriteDelayMs: number;
  /** Rows waiting to be written beyond which finishing devices wait (memory stays bounded when storage lags). */
  maxBacklog: number;
  now: () => number;
}

export const DEFAULT_RESULT_WRITER_OPTIONS: Omit<ResultWriterOptions, 'now'> = {
  flushIntervalMs: 250,
  runningMarkDelayMs: 1_000,
  pendingWriteDelayMs: 5_000,
  maxBacklog: 4_000,
};

/** Batch transactions hold at most 100 rows of one partition (a shard is one partition). */
const BATCH_ROWS = 100;
/** Batch writes outstanding at once. */
const WRITE_CONCURRENCY = 8;

interface InFlight {
  row: DeviceJobRecord;
  startedAt: number;
  marked: boolean;
}

/**
 * Writes a running job's device rows and shard counters in batch transactions, one partition (shard) at a time
 * and in order, so a row's later state is never overwritten by an earlier one. Counters live in memory and are
 * written whole after each batch of their shard, so every read of the statistics adds up.
 */
export class DeviceResultWriter {
  private readonly counters = new Map<number, ShardCounters>();
  private readonly queues = new Map<number, Map<string, DeviceJobRecord>>();
  /** Per shard, the queued rows that are not `pending` (pending rows wait for the timer: most become final first). */
  private readonly ready = new Map<number, number>();
  /** Per shard, since when its oldest queued `pending` row waits. */
  private readonly pendingSince = new Map<number, number>();
  private readonly writing = new Set<number>();
  private readonly dirtyCounters = new Set<number>();
  private readonly inFlight = new Map<string, InFlight>();
  /** Rows this writer stored not yet final, as stored (a later state of the row may be merged into them). */
  private readonly stored = new Map<string, DeviceJobRecord>();
  private readonly writes = new Semaphore(WRITE_CONCURRENCY);
  private readonly outstanding = new Set<Promise<void>>();
  private readonly backlogWaiters: (() => void)[] = [];
  private backlog = 0;
  private failure: { error: unknown } | undefined;
  private readonly stopTimer: CancelTimer;

  constructor(
    private readonly deps: { deviceJobs: DeviceJobRepository; jobs: JobRepository; delays: Delays },
    private readonly jobId: string,
    private readonly options: ResultWriterOptions,
  ) {
    this.stopTimer = deps.delays.every(options.flushIntervalMs, () => this.tick());
  }

  /**
   * Starts counting a shard from its stored rows (before any of them runs). The counters are written even if
   * nothing in the shard changes: a run that died between writing a batch of rows and their counters left
   * counters behind its rows, and only a count from the rows repairs them.
   */
  track(shard: number, rows: readonly DeviceJobRecord[]): void {
    this.counters.set(shard, countDeviceStatuses(rows.map((row) => row.status)));
    this.dirtyCounters.add(shard);
  }

  /** Starts counting a shard from its stored counters (rows that move are then `put` with their old status). */
  adopt(shard: number, counters: ShardCounters): void {
    if (!this.counters.has(shard)) this.counters.set(shard, { ...counters });
  }

  countersOf(shard: number): ShardCounters | undefined {
    return this.counters.get(shard);
  }

  /**
   * Rows to store as they are (new pending rows, settled rows). With `before` (each row's previous status, or
   * `null` for a row the shard's counters do not hold yet) the counters follow; without, they are already right.
   */
  async put(rows: readonly DeviceJobRecord[], before?: readonly (DeviceJobStatus | null)[]): Promise<void> {
    rows.forEach((row, index) => {
      const previous = before?.[index];
      if (previous === null) this.add(row.shard, row.status);
      else if (previous !== undefined) this.move(row.shard, previous, row.status);
      this.enqueue(row);
    });
    await this.waitForBacklog();
  }

  started(row: DeviceJobRecord, at: number): void {
    this.move(row.shard, row.status, 'running');
    this.inFlight.set(row.deviceId, { row, startedAt: at, marked: false });
  }

  /** A device's final row (its status is terminal). Waits while too many rows are waiting to be written. */
  async finished(row: DeviceJobRecord): Promise<void> {
    this.inFlight.delete(row.deviceId);
    this.move(row.shard, 'running', row.status);
    this.enqueue(row);
    await this.waitForBacklog();
  }

  /** Writes everything buffered; throws the first write failure. */
  async close(): Promise<void> {
    this.stopTimer();
    for (;;) {
      this.flushAll(true);
      if (this.outstanding.size === 0) break;
      await Promise.all(this.outstanding);
    }
    if (this.failure) throw this.failure.error;
  }

  private tick(): void {
    const now = this.options.now();
    for (const entry of this.inFlight.values()) {
      if (entry.marked || now - entry.startedAt < this.options.runningMarkDelayMs) continue;
      entry.marked = true;
      const at = new Date(entry.startedAt).toISOString();
      this.enqueue({ ...entry.row, status: 'running', startTimeUtc: at, lastUpdatedDateTimeUtc: at });
    }
    this.flushAll(false);
  }

  /** Writes a batch of every shard with something to write; `pending` rows once they are due (all at `close`). */
  private flushAll(all: boolean): void {
    const now = this.options.now();
    for (const shard of new Set([...this.queues.keys(), ...this.dirtyCounters])) {
      const since = this.pendingSince.get(shard);
      this.flush(shard, all || (since !== undefined && now - since >= this.options.pendingWriteDelayMs));
    }
  }

  private add(shard: number, status: DeviceJobStatus): void {
    const counters = this.counters.get(shard) ?? countDeviceStatuses([]);
    counters[keyOf(status)] += 1;
    this.counters.set(shard, counters);
    this.dirtyCounters.add(shard);
  }

  private move(shard: number, from: DeviceJobStatus, to: DeviceJobStatus): void {
    const counters = this.counters.get(shard);
    if (!counters) return;
    counters[keyOf(from)] -= 1;
    counters[keyOf(to)] += 1;
    this.dirtyCounters.add(shard);
  }

  private enqueue(row: DeviceJobRecord): void {
    if (this.failure) throw this.failure.error;
    let queue = this.queues.get(row.shard);
    if (!queue) {
      queue = new Map();
      this.queues.set(row.shard, queue);
    }
    const before = queue.get(row.deviceId);
    if (!before) this.backlog += 1;
    if (row.status === 'pending' && !this.pendingSince.has(row.shard))
      this.pendingSince.set(row.shard, this.options.now());
    const readyDelta =
      Number(row.status !== 'pending') - Number(before !== undefined && before.status !== 'pending');
    const ready = (this.ready.get(row.shard) ?? 0) + readyDelta;
    this.ready.set(row.shard, ready);
    queue.set(row.deviceId, row);
    if (ready >= BATCH_ROWS) this.flush(row.shard, false);
  }

  /** Writes one batch of the shard: `eager` takes pending rows too (timer, close), else only rows that ended. */
  private flush(shard: number, eager = true): void {
    if (this.writing.has(shard)) return;
    const queue = this.queues.get(shard);
    if (!queue?.size && !this.dirtyCounters.has(shard)) return;
    this.writing.add(shard);
    const task = this.write(shard, eager).finally(() => {
      this.writing.delete(shard);
      this.outstanding.delete(task);
      if ((this.ready.get(shard) ?? 0) >= BATCH_ROWS) this.flush(shard, false);
    });
    this.outstanding.add(task);
  }

  private async write(shard: number, eager: boolean): Promise<void> {
    await this.writes.take();
    try {
      const batch = this.takeBatch(shard, eager);
      this.dirtyCounters.delete(shard);
      const counters = this.counters.get(shard);
      if (batch.length > 0) {
        await this.deps.deviceJobs.upsertMany(batch, this.storedOf(batch));
        for (const row of batch) {
          if (isTerminalDeviceJobStatus(row.status)) this.stored.delete(row.deviceId);
          else this.stored.set(row.deviceId, row);
        }
      }
      if (counters) await this.deps.jobs.writeShardCounters(this.jobId, shard, { ...counters });
      this.backlog -= batch.length;
      this.releaseBacklog();
    } catch (error: unknown) {
      this.failure ??= { error };
      this.backlog = 0;
      this.releaseBacklog();
    } finally {
      this.writes.give();
    }
  }

  /** The rows of a batch as this writer stored them before (so far not final). */
  private storedOf(batch: readonly DeviceJobRecord[]): Map<string, DeviceJobRecord> {
    const before = new Map<string, DeviceJobRecord>();
    for (const row of batch) {
      const stored = this.stored.get(row.deviceId);
      if (stored) before.set(row.deviceId, stored);
    }
    return before;
  }

  /** Up to one batch of queued rows, those that ended first. */
  private takeBatch(shard: number, eager: boolean): DeviceJobRecord[] {
    const queue = this.queues.get(shard);
    if (!queue) return [];
    const batch: DeviceJobRecord[] = [];
    for (const pass of eager ? [false, true] : [false]) {
      for (const [deviceId, row] of queue) {
        if (batch.length === BATCH_ROWS) break;
        if ((row.status === 'pending') !== pass) continue;
        batch.push(row);
        queue.delete(deviceId);
      }
    }
    const taken = batch.filter((row) => row.status !== 'pending').length;
    this.ready.set(shard, (this.ready.get(shard) ?? 0) - taken);
    if (queue.size === 0) this.queues.delete(shard);
    if (queue.size === (this.ready.get(shard) ?? 0)) this.pendingSince.delete(shard);
    return batch;
  }

  private async waitForBacklog(): Promise<void> {
    while (this.backlog > this.options.maxBacklog && !this.failure) {
      await new Promise<void>((resolve) => this.backlogWaiters.push(resolve));
    }
    if (this.failure) throw this.failure.error;
  }

  private releaseBacklog(): void {
    if (this.backlog > this.options.maxBacklog / 2 && !this.failure) return;
    for (const resolve of this.backlogWaiters.splice(0)) resolve();
  }
}

function keyOf(status: DeviceJobStatus): keyof ShardCounters {
  if (status === 'pending' || status === 'scheduled') return 'pending';
  if (status === 'completed') return 'succeeded';
  return status;
}
