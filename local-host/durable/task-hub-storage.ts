import { randomUUID } from 'node:crypto';
import { odata, RestError, TableClient, type TableEntityResult } from '@azure/data-tables';
import { QueueClient, QueueServiceClient } from '@azure/storage-queue';
import type { HistoryEvent, RuntimeStatus } from './history-event';

/** The status row of one orchestration instance, as the `<hub>Instances` table stores it. */
export interface InstanceRecord {
  instanceId: string;
  name: string;
  status: RuntimeStatus;
  /** JSON text, or null when the orchestration got no input. */
  input: string | null;
  output: string | null;
  customStatus: string | null;
  createdTime: Date;
  lastUpdatedTime: Date;
  executionId: string;
  parentInstanceId: string | null;
  parentExecutionId: string | null;
  parentTaskId: number | null;
  /** Number of committed episodes of the current execution and the token of the last one (history chain). */
  lastEpisode: number;
  lastToken: string;
  /** Leaf actions the orchestrator yielded so far and the next free sequence id (SDK task ids). */
  actionCount: number;
  nextSequenceId: number;
  etag?: string;
}

/** The row of an execution that has not run yet (status Pending, empty history). */
export function pendingInstance(fields: {
  instanceId: string;
  name: string;
  input: string | null;
  executionId: string;
  parent?: { instanceId: string; executionId: string; taskId: number };
  etag?: string;
}): InstanceRecord {
  const now = new Date();
  return {
    instanceId: fields.instanceId,
    name: fields.name,
    status: 'Pending',
    input: fields.input,
    output: null,
    customStatus: null,
    createdTime: now,
    lastUpdatedTime: now,
    executionId: fields.executionId,
    parentInstanceId: fields.parent?.instanceId ?? null,
    parentExecutionId: fields.parent?.executionId ?? null,
    parentTaskId: fields.parent?.taskId ?? null,
    lastEpisode: 0,
    lastToken: '',
    actionCount: 0,
    nextSequenceId: 0,
    etag: fields.etag,
  };
}

/** An etag-checked write lost against another writer. */
export class ConcurrencyConflictError extends Error {
  override name = 'ConcurrencyConflictError';
  readonly code = 'ConcurrencyConflict';
}

/** The stored history chain does not add up (a committed episode's rows are missing). */
export class HistoryCorruptError extends Error {
  override name = 'HistoryCorruptError';
  readonly code = 'HistoryCorrupt';
}

/** A message read from a queue, with what is needed to delete it. */
export interface ReceivedMessage<T> {
  messageId: string;
  popReceipt: string;
  dequeueCount: number;
  body: T;
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

function isStatus(error: unknown, status: number): boolean {
  return error instanceof RestError && error.statusCode === status;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

export function historyRowKey(executionId: string, episode: number, token: string, index: number): string {
  return `${executionId}|${pad(episode, 8)}|${token}|${pad(index, 6)}`;
}

/** Stable FNV-1a hash of an instance id, to pick its control queue. */
export function partitionOf(instanceId: string, partitionCount: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < instanceId.length; i++) {
    hash ^= instanceId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % partitionCount;
}

/**
 * A task hub on Azure Storage, laid out as the Azure Storage provider lays it out: `<hub>Instances` and
 * `<hub>History` tables, a `<hub>-workitems` queue and `<hub>-control-NN` queues.
 */
export class TaskHubStorage {
  readonly instances: TableClient;
  readonly history: TableClient;
  readonly workItems: QueueClient;
  readonly controlQueues: QueueClient[];

  constructor(
    connectionString: string,
    readonly hubName: string,
    readonly partitionCount: number,
  ) {
    const options = { allowInsecureConnection: true };
    this.instances = TableClient.fromConnectionString(connectionString, `${hubName}Instances`, options);
    this.history = TableClient.fromConnectionString(connectionString, `${hubName}History`, options);
    const queues = QueueServiceClient.fromConnectionString(connectionString);
    const lower = hubName.toLowerCase();
    this.workItems = queues.getQueueClient(`${lower}-workitems`);
    this.controlQueues = Array.from({ length: partitionCount }, (_, i) =>
      queues.getQueueClient(`${lower}-control-${pad(i, 2)}`),
    );
  }

  async ensure(): Promise<void> {
    await Promise.all([
      this.instances.createTable(),
      this.history.createTable(),
      this.workItems.createIfNotExists(),
      ...this.controlQueues.map((queue) => queue.createIfNotExists()),
    ]);
  }

  controlQueueFor(instanceId: string): QueueClient {
    const queue = this.controlQueues[partitionOf(instanceId, this.partitionCount)];
    if (!queue) throw new Error('No control queue.');
    return queue;
  }

  // ---- instances ----

  async readInstance(instanceId: string): Promise<InstanceRecord | undefined> {
    try {
      const entity = await this.instances.getEntity<Record<string, unknown>>(instanceId, '');
      return toRecord(entity);
    } catch (error: unknown) {
      if (isStatus(error, 404)) return undefined;
      throw error;
    }
  }

  /** Writes an instance row: created when `etag` is undefined, else replaced if nobody changed it since. */
  async writeInstance(record: InstanceRecord, etag: string | undefined): Promise<string> {
    const entity = toEntity(record);
    try {
      const response =
        etag === undefined
          ? await this.instances.createEntity(entity)
          : await this.instances.updateEntity(entity, 'Replace', { etag });
      return response.etag ?? '';
    } catch (error: unknown) {
      if (isStatus(error, 409) || isStatus(error, 412) || (etag !== undefined && isStatus(error, 404))) {
        throw new ConcurrencyConflictError(`Instance ${record.instanceId} was changed by another writer.`);
      }
      throw error;
    }
  }

  async deleteInstance(instanceId: string): Promise<void> {
    try {
      await this.instances.deleteEntity(instanceId, '');
    } catch (error: unknown) {
      if (!isStatus(error, 404)) throw error;
    }
  }

  /** Lists instance rows matching a filter, one page at a time. */
  async listInstances(options: {
    statuses?: string[];
    createdFrom?: Date;
    createdTo?: Date;
    pageSize: number;
    continuationToken?: string;
  }): Promise<{ records: InstanceRecord[]; continuationToken?: string }> {
    const clauses: string[] = [];
    if (options.createdFrom) clauses.push(odata`CreatedTime ge ${options.createdFrom}`);
    if (options.createdTo) clauses.push(odata`CreatedTime le ${options.createdTo}`);
    if (options.statuses && options.statuses.length > 0) {
      clauses.push(`(${options.statuses.map((s) => odata`RuntimeStatus eq ${s}`).join(' or ')})`);
    }
    const pages = this.instances
      .listEntities<Record<string, unknown>>({
        queryOptions: clauses.length > 0 ? { filter: clauses.join(' and ') } : {},
      })
      .byPage({ maxPageSize: options.pageSize, continuationToken: options.continuationToken });
    const next = await pages.next();
    if (next.done) return { records: [] };
    const page = next.value;
    const records = page.map((entity) => toRecord(entity));
    return { records, continuationToken: page.continuationToken };
  }

  // ---- history ----

  /** Loads the committed history of the instance's current execution, following the episode chain. */
  async loadHistory(record: InstanceRecord): Promise<HistoryEvent[]> {
    if (record.lastEpisode === 0) return [];
    const prefix = `${record.executionId}|`;
    const rows = this.history.listEntities<HistoryRow>({
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
  async appendEpisode(
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
      if (batch.length === 1 && batch[0]) await this.history.upsertEntity(batch[0], 'Replace');
      else await this.history.submitTransaction(batch.map((row) => ['upsert', row, 'Replace']));
    });
    return { token, rows: rows.length };
  }

  /** Removes every history row of an instance (all executions, committed or not). */
  async purgeHistory(instanceId: string, keepExecutionId?: string): Promise<void> {
    const rows = this.history.listEntities<{ partitionKey: string; rowKey: string }>({
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
      await this.history.submitTransaction(
        batch.map((rowKey) => ['delete', { partitionKey: instanceId, rowKey }]),
      );
    });
  }

  /** Best-effort removal of rows an episode wrote before it lost its commit. */
  async discardEpisode(record: InstanceRecord, episode: number, token: string, rows: number): Promise<void> {
    const keys = Array.from({ length: rows }, (_, i) => historyRowKey(record.executionId, episode, token, i));
    for (let i = 0; i < keys.length; i += TRANSACTION_LIMIT) {
      await this.history
        .submitTransaction(
          keys
            .slice(i, i + TRANSACTION_LIMIT)
            .map((rowKey) => ['delete', { partitionKey: record.instanceId, rowKey }]),
        )
        .catch(() => undefined);
    }
  }

  // ---- queues ----

  /** Sends a message, invisible for `delayMs`; resolves with what deleting it takes. */
  async send(
    queue: QueueClient,
    body: unknown,
    delayMs = 0,
  ): Promise<{ messageId: string; popReceipt: string }> {
    const visibilityTimeout = delayMs > 0 ? Math.ceil(delayMs / 1000) : undefined;
    const sent = await queue.sendMessage(JSON.stringify(body), { visibilityTimeout, messageTimeToLive: -1 });
    return { messageId: sent.messageId, popReceipt: sent.popReceipt };
  }

  async receive<T>(
    queue: QueueClient,
    count: number,
    visibilitySeconds: number,
  ): Promise<ReceivedMessage<T>[]> {
    const response = await queue.receiveMessages({
      numberOfMessages: Math.max(1, Math.min(32, count)),
      visibilityTimeout: visibilitySeconds,
    });
    const messages: ReceivedMessage<T>[] = [];
    for (const item of response.receivedMessageItems) {
      try {
        messages.push({
          messageId: item.messageId,
          popReceipt: item.popReceipt,
          dequeueCount: item.dequeueCount,
          body: JSON.parse(item.messageText) as T,
        });
      } catch {
        await queue.deleteMessage(item.messageId, item.popReceipt).catch(() => undefined);
      }
    }
    return messages;
  }

  /** Deletes a message; a stale receipt (the message was received again meanwhile) is not an error. */
  async delete(queue: QueueClient, message: { messageId: string; popReceipt: string }): Promise<void> {
    try {
      await queue.deleteMessage(message.messageId, message.popReceipt);
    } catch (error: unknown) {
      if (!isStatus(error, 404) && !isStatus(error, 400)) throw error;
    }
  }
}

/** Runs `work` over items with at most `limit` in flight. */
export async function runLimited<T>(
  items: T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function toRecord(entity: TableEntityResult<Record<string, unknown>>): InstanceRecord {
  const date = (value: unknown) => (value instanceof Date ? value : new Date(String(value)));
  return {
    instanceId: String(entity.partitionKey),
    name: text(entity.Name) ?? '',
    status: (text(entity.RuntimeStatus) ?? 'Pending') as RuntimeStatus,
    input: text(entity.Input),
    output: text(entity.Output),
    customStatus: text(entity.CustomStatus),
    createdTime: date(entity.CreatedTime),
    lastUpdatedTime: date(entity.LastUpdatedTime),
    executionId: text(entity.ExecutionId) ?? '',
    parentInstanceId: text(entity.ParentInstanceId),
    parentExecutionId: text(entity.ParentExecutionId),
    parentTaskId: typeof entity.ParentTaskId === 'number' ? entity.ParentTaskId : null,
    lastEpisode: Number(entity.LastEpisode ?? 0),
    lastToken: text(entity.LastToken) ?? NO_TOKEN,
    actionCount: Number(entity.ActionCount ?? 0),
    nextSequenceId: Number(entity.NextSequenceId ?? 0),
    etag: entity.etag,
  };
}

function toEntity(
  record: InstanceRecord,
): Record<string, unknown> & { partitionKey: string; rowKey: string } {
  const entity: Record<string, unknown> & { partitionKey: string; rowKey: string } = {
    partitionKey: record.instanceId,
    rowKey: '',
    Name: record.name,
    RuntimeStatus: record.status,
    CreatedTime: record.createdTime,
    LastUpdatedTime: record.lastUpdatedTime,
    ExecutionId: record.executionId,
    LastEpisode: record.lastEpisode,
    LastToken: record.lastToken,
    ActionCount: record.actionCount,
    NextSequenceId: record.nextSequenceId,
  };
  if (record.input !== null) entity.Input = record.input;
  if (record.output !== null) entity.Output = record.output;
  if (record.customStatus !== null) entity.CustomStatus = record.customStatus;
  if (record.parentInstanceId !== null) entity.ParentInstanceId = record.parentInstanceId;
  if (record.parentExecutionId !== null) entity.ParentExecutionId = record.parentExecutionId;
  if (record.parentTaskId !== null) entity.ParentTaskId = record.parentTaskId;
  return entity;
}
