import type { TableClient, TransactionAction } from '@azure/data-tables';
import { MAX_BATCH_CHARS, MAX_BATCH_OPERATIONS, type LazyTable } from './table-support';

interface Queued {
  action: TransactionAction;
  chars: number;
  resolve: (etag: string | undefined) => void;
  reject: (error: unknown) => void;
}

/** Characters an entity takes in a transaction body, about (its strings, and a little for every property). */
function approximateChars(entity: Record<string, unknown>): number {
  let chars = 0;
  for (const value of Object.values(entity)) chars += 32 + (typeof value === 'string' ? value.length : 0);
  return chars;
}

/**
 * One action alone, as the matching single-entity request (the errors are those of that request); the entity's new
 * etag.
 */
async function submitOne(client: TableClient, action: TransactionAction): Promise<string | undefined> {
  switch (action[0]) {
    case 'create':
      return (await client.createEntity(action[1])).etag;
    case 'upsert':
      return (await client.upsertEntity(action[1], action[2])).etag;
    case 'update':
      return (await client.updateEntity(action[1], action[2], action[3])).etag;
    case 'delete':
      await client.deleteEntity(action[1].partitionKey, action[1].rowKey);
      return undefined;
  }
}

/**
 * Requests (transactions or single writes) a {@link CoalescedWrites} has outstanding at most. While they are out,
 * new writes wait and gather: the busier storage is, the larger its transactions (storage pays per request and
 * per sub-request, the client's CPU per request). An idle table sends a write at the end of its event-loop turn.
 */
export const COALESCED_REQUESTS_IN_FLIGHT = 4;

/**
 * Single-entity writes of concurrent callers, gathered per partition into batch transactions: a job's devices
 * written at once cost a few transactions, not one request each. Writes wait while
 * {@link COALESCED_REQUESTS_IN_FLIGHT} requests are out, then go as full transactions as their partitions allow,
 * the partition waiting longest first. A caller awaits its own write. A transaction that fails is retried action
 * by action, so every caller gets the outcome its write alone would have had (an etag mismatch fails only that
 * write).
 */
export class CoalescedWrites {
  /** Queued writes per partition, in the order their partitions first queued (the one waiting longest first). */
  private readonly queued = new Map<string, Queued[]>();
  private scheduled = false;
  private inFlight = 0;

  constructor(
    private readonly table: LazyTable,
    private readonly maxInFlight = COALESCED_REQUESTS_IN_FLIGHT,
  ) {}

  /** Writes one entity; the entity's new etag (undefined for a delete). */
  write(action: TransactionAction): Promise<string | undefined> {
    return new Promise<string | undefined>((resolve, reject) => {
      const partition = action[1].partitionKey;
      const list = this.queued.get(partition) ?? [];
      list.push({ action, chars: approximateChars(action[1]), resolve, reject });
      this.queued.set(partition, list);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.maxInFlight || this.queued.size === 0) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    while (this.inFlight < this.maxInFlight) {
      const first = this.queued.entries().next();
      if (first.done) return;
      const [partition, list] = first.value;
      const batch = takeBatch(list);
      // Partitions take turns: one with writes left queues again behind the others.
      this.queued.delete(partition);
      if (list.length > 0) this.queued.set(partition, list);
      this.inFlight += 1;
      void this.submit(batch).finally(() => {
        this.inFlight -= 1;
        this.schedule();
      });
    }
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
        const { subResponses } = await client.submitTransaction(batch.map((write) => write.action));
        // Sub-responses come in the order of the transaction's actions.
        batch.forEach((write, index) => write.resolve(subResponses[index]?.etag));
        return;
      } catch {
        // One action refused fails the whole transaction: each is tried alone below for its own outcome.
      }
    }
    await Promise.all(
      batch.map(async (write) => {
        try {
          write.resolve(await submitOne(client, write.action));
        } catch (error: unknown) {
          write.reject(error);
        }
      }),
    );
  }
}

/**
 * Takes one transaction's writes off a partition's queue, oldest first: within the limits, and never one entity
 * twice (storage refuses it; a later write of the same entity stays queued for a later request).
 */
function takeBatch(list: Queued[]): Queued[] {
  const batch: Queued[] = [];
  const rows = new Set<string>();
  let chars = 0;
  let kept = 0;
  for (const write of list) {
    const rowKey = write.action[1].rowKey;
    const fits =
      batch.length < MAX_BATCH_OPERATIONS &&
      (batch.length === 0 || chars + write.chars <= MAX_BATCH_CHARS) &&
      !rows.has(rowKey);
    if (fits) {
      batch.push(write);
      rows.add(rowKey);
      chars += write.chars;
    } else {
      list[kept++] = write;
    }
  }
  list.length = kept;
  return batch;
}
