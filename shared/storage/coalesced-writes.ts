import type { TableClient, TransactionAction } from '@azure/data-tables';
import { MAX_BATCH_CHARS, MAX_BATCH_OPERATIONS, type LazyTable } from './table-support';

interface Queued {
  action: TransactionAction;
  chars: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Characters an entity takes in a transaction body, about (its strings, and a little for every property). */
function approximateChars(entity: Record<string, unknown>): number {
  let chars = 0;
  for (const value of Object.values(entity)) chars += 32 + (typeof value === 'string' ? value.length : 0);
  return chars;
}

/** One action alone, as the matching single-entity request (the errors are those of that request). */
async function submitOne(client: TableClient, action: TransactionAction): Promise<void> {
  switch (action[0]) {
    case 'create':
      await client.createEntity(action[1]);
      return;
    case 'upsert':
      await client.upsertEntity(action[1], action[2]);
      return;
    case 'update':
      await client.updateEntity(action[1], action[2], action[3]);
      return;
    case 'delete':
      await client.deleteEntity(action[1].partitionKey, action[1].rowKey);
      return;
  }
}

/**
 * Single-entity writes of concurrent callers, gathered per partition into batch transactions that are sent once
 * the current turn of the event loop ends: a job's devices written at once cost a few transactions, not one
 * request each. A caller awaits its own write. A transaction that fails is retried action by action, so every
 * caller gets the outcome its write alone would have had (an etag mismatch fails only that write).
 */
export class CoalescedWrites {
  private readonly queued = new Map<string, Queued[]>();
  private scheduled = false;

  constructor(private readonly table: LazyTable) {}

  write(action: TransactionAction): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const partition = action[1].partitionKey;
      const list = this.queued.get(partition) ?? [];
      list.push({ action, chars: approximateChars(action[1]), resolve, reject });
      this.queued.set(partition, list);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const partitions = [...this.queued.values()];
    this.queued.clear();
    for (const list of partitions) for (const batch of batchesOf(list)) void this.submit(batch);
  }

  private async submit(batch: Queued[]): Promise<void> {
    let client: TableClient;
    try {
      client = await this.table();
    } catch (error: unknown) {
      for (const write of batch) write.reject(error);
      return;
    }
    if (batch.length > 1) {
      try {
        await client.submitTransaction(batch.map((write) => write.action));
        for (const write of batch) write.resolve();
        return;
      } catch {
        // One action refused fails the whole transaction: each is tried alone below for its own outcome.
      }
    }
    await Promise.all(
      batch.map(async (write) => {
        try {
          await submitOne(client, write.action);
          write.resolve();
        } catch (error: unknown) {
          write.reject(error);
        }
      }),
    );
  }
}

/** Transactions of one partition's writes: within the limits, and never one entity twice (storage refuses it). */
function batchesOf(list: Queued[]): Queued[][] {
  const batches: { writes: Queued[]; rows: Set<string>; chars: number }[] = [];
  for (const write of list) {
    const rowKey = write.action[1].rowKey;
    let batch = batches.find(
      (candidate) =>
        candidate.writes.length < MAX_BATCH_OPERATIONS &&
        (candidate.writes.length === 0 || candidate.chars + write.chars <= MAX_BATCH_CHARS) &&
        !candidate.rows.has(rowKey),
    );
    if (!batch) {
      batch = { writes: [], rows: new Set(), chars: 0 };
      batches.push(batch);
    }
    batch.writes.push(write);
    batch.rows.add(rowKey);
    batch.chars += write.chars;
  }
  return batches.map((batch) => batch.writes);
}
