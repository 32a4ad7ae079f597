import { randomUUID } from 'node:crypto';
import { odata, type TableClient } from '@azure/data-tables';
import type { HistoryEvent } from './history-event';
import type { InstanceRecord } from './instance-table';
import { runLimited } from './run-limited';

/** The stored history chain does not add up (a committed episode's rows are missing). */
export class HistoryCorruptError extends Error {
  override name = 'HistoryCorruptError';
  readonly code = 'HistoryCorrupt';
}

const TRANSACTION_LIMIT = 100;
const PARALLEL_TRANSACTIONS = 4;
const NO_TOKEN = '';
const EVENTS_PER_ROW = 400;
/** Azure Tables caps a string property at 64 KiB (32 K UTF-16 characters). */
const CHARS_PER_ROW = 30_000;

/**
 * Packs an episode's events into rows of consecutive events. One row per event (as the Azure Storage provider
 * stores them) makes a 5,000-activity fan-out write 10,000 rows; pages cut Azurite's work by two orders.
 */
export function packEvents(events: HistoryEvent[]): string[] {
  const pages: string[] = [];
  let current: string[] = [];
  let chars = 2;
  for (const event of events) {
    const text = JSON.stringify(event);
    if (current.length > 0 && (current.length >= EVENTS_PER_ROW || chars + text.length + 1 > CHARS_PER_ROW)) {
      pages.push(`[${current.join(',')}]`);
      current = [];
      chars = 2;
    }
    current.push(text);
    chars += text.length + 1;
  }
  if (current.length > 0) pages.push(`[${current.join(',')}]`);
  return pages;
}

type HistoryRow = {
  partitionKey: string;
  rowKey: string;
  PageCount: number;
  Episode: number;
  Token: string;
  PrevToken: string;
  Data: string;
};

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

export function historyRowKey(executionId: string, episode: number, token: string, index: number): string {
  return `${executionId}|${pad(episode, 8)}|${token}|${pad(index, 6)}`;
}

/**
 * The `<hub>History…` table: an instance's events in rows of consecutive events, one group of rows per episode.
 * Each episode's rows name the token of the one before, so the committed history is the chain that ends at the
 * instance row's `lastToken`; rows of an episode whose commit failed are ignored.
 */
export class HistoryTable {
  constructor(readonly table: TableClient) {}

  /** Loads the committed history of the instance's current execution, following the episode chain. */
  async load(record: InstanceRecord): Promise<HistoryEvent[]> {
    if (record.lastEpisode === 0) return [];
    const prefix = `${record.executionId}|`;
    const rows = this.table.listEntities<HistoryRow>({
      queryOptions: {
        filter: odata`PartitionKey eq ${record.instanceId} and RowKey ge ${prefix} and RowKey lt ${`${record.executionId}}`}`,
      },
    });
    const groups = new Map<string, HistoryRow[]>();
    for await (const row of rows) {
      const key = `${row.Episode}|${row.Token}`;
      const group = groups.get(key) ?? [];
      group.push(row);
      groups.set(key, group);
    }
    const chain: HistoryRow[][] = [];
    let token = record.lastToken;
    for (let episode = record.lastEpisode; episode >= 1; episode--) {
      const group = groups.get(`${episode}|${token}`);
      if (!group || group.length === 0 || group.length !== group[0]?.PageCount) {
        throw new HistoryCorruptError(
          `History of ${record.instanceId} lacks committed episode ${episode} (${token}).`,
        );
      }
      chain.push(group);
      token = group[0]?.PrevToken ?? NO_TOKEN;
    }
    chain.reverse();
    return chain.flatMap((group) =>
      group
        .sort((a, b) => (a.rowKey < b.rowKey ? -1 : 1))
        .flatMap((row) => JSON.parse(row.Data) as HistoryEvent[]),
    );
  }

  /**
   * Writes one episode's events under a fresh token; they count only once the instance row names it.
   * Resolves with the token and the number of rows written.
   */
  async append(
    record: InstanceRecord,
    episode: number,
    prevToken: string,
    events: HistoryEvent[],
  ): Promise<{ token: string; rows: number }> {
    const token = randomUUID().slice(0, 8);
    const pages = packEvents(events);
    const rows: HistoryRow[] = pages.map((data, index) => ({
      partitionKey: record.instanceId,
      rowKey: historyRowKey(record.executionId, episode, token, index),
      PageCount: pages.length,
      Episode: episode,
      Token: token,
      PrevToken: prevToken,
      Data: data,
    }));
    const batches: HistoryRow[][] = [];
    for (let i = 0; i < rows.length; i += TRANSACTION_LIMIT)
      batches.push(rows.slice(i, i + TRANSACTION_LIMIT));
    await runLimited(batches, PARALLEL_TRANSACTIONS, async (batch) => {
      if (batch.length === 1 && batch[0]) await this.table.upsertEntity(batch[0], 'Replace');
      else await this.table.submitTransaction(batch.map((row) => ['upsert', row, 'Replace']));
    });
    return { token, rows: rows.length };
  }

  /** Removes every history row of an instance (all executions, committed or not). */
  async purge(instanceId: string, keepExecutionId?: string): Promise<void> {
    const rows = this.table.listEntities<{ partitionKey: string; rowKey: string }>({
      queryOptions: { filter: odata`PartitionKey eq ${instanceId}`, select: ['PartitionKey', 'RowKey'] },
    });
    const keys: string[] = [];
    for await (const row of rows) {
      if (keepExecutionId === undefined || !row.rowKey.startsWith(`${keepExecutionId}|`))
        keys.push(row.rowKey);
    }
    const batches: string[][] = [];
    for (let i = 0; i < keys.length; i += TRANSACTION_LIMIT)
      batches.push(keys.slice(i, i + TRANSACTION_LIMIT));
    await runLimited(batches, PARALLEL_TRANSACTIONS, async (batch) => {
      await this.table.submitTransaction(
        batch.map((rowKey) => ['delete', { partitionKey: instanceId, rowKey }]),
      );
    });
  }

  /** Best-effort removal of rows an episode wrote before it lost its commit. */
  async discard(record: InstanceRecord, episode: number, token: string, rows: number): Promise<void> {
    const keys = Array.from({ length: rows }, (_, i) => historyRowKey(record.executionId, episode, token, i));
    for (let i = 0; i < keys.length; i += TRANSACTION_LIMIT) {
      await this.table
        .submitTransaction(
          keys
            .slice(i, i + TRANSACTION_LIMIT)
            .map((rowKey) => ['delete', { partitionKey: record.instanceId, rowKey }]),
        )
        .catch(() => undefined);
    }
  }
}
