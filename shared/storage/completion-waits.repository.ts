import { type TransactionAction, odata } from '@azure/data-tables';
import * as v from 'valibot';
import type { TwinWatch, TwinWatchStore } from '../devices/ports';
import type { CompletionWait, CompletionWaitRepository } from '../jobs/core/ports';
import { column, parseStoredEntity, type StoredRow } from './stored-entity';
import {
  type LazyTable,
  deleteWhere,
  encodeKey,
  isConflict,
  isNotFound,
  isPreconditionFailed,
  submitInBatches,
} from './table-support';

/**
 * Waiting devices of jobs with a `completionCondition`, in one table:
 * - the job's partition `j|<jobId>`: a row per wait filed by when it is due (`t|<dueAt>|<deviceId>`, so the due
 *   ones are one range read), a row per wait whose device met the condition (`m|<deviceId>`), and the wake mark
 *   (`wake`: a wake message is on its way);
 * - the device's partition `d|<deviceId>`: a row per job waiting on it (`<jobId>`), read by every twin writer.
 * Job ids contain no `|`; device ids are key-encoded.
 */
const jobPartition = (jobId: string) => `j|${jobId}`;
const devicePartition = (deviceId: string) => `d|${encodeKey(deviceId)}`;
const dueKey = (wait: Pick<CompletionWait, 'dueAt' | 'deviceId'>) =>
  `t|${wait.dueAt}|${encodeKey(wait.deviceId)}`;
const metKey = (deviceId: string) => `m|${encodeKey(deviceId)}`;
const WAKE_KEY = 'wake';

type WaitEntity = CompletionWait & { partitionKey: string; rowKey: string } & Record<string, unknown>;

function entityOf(wait: CompletionWait, partitionKey: string, rowKey: string): WaitEntity {
  return { partitionKey, rowKey, ...wait };
}

const WaitRowSchema = v.looseObject({
  jobId: column.text(),
  deviceId: column.text(),
  shard: column.integer(),
  condition: column.text(),
  deadline: column.text(),
  dueAt: column.text(),
  attempts: column.integer(),
  pausedMsAtStart: v.optional(v.number('must be a number')),
});

function waitOf(table: string, entity: StoredRow): CompletionWait {
  const { jobId, deviceId, shard, condition, deadline, dueAt, attempts, pausedMsAtStart } = parseStoredEntity(
    table,
    WaitRowSchema,
    entity,
  );
  return {
    jobId,
    deviceId,
    shard,
    condition,
    deadline,
    dueAt,
    attempts,
    ...(pausedMsAtStart !== undefined ? { pausedMsAtStart } : {}),
  };
}

/** The waits as Table Storage rows: the jobs' {@link CompletionWaitRepository}, the twin writers' watches. */
export class TableCompletionWaits implements CompletionWaitRepository, TwinWatchStore {
  constructor(private readonly table: LazyTable) {}

  async add(waits: readonly CompletionWait[]): Promise<void> {
    if (waits.length === 0) return;
    const client = await this.table();
    const filed: TransactionAction[] = waits.map((wait) => [
      'upsert',
      entityOf(wait, jobPartition(wait.jobId), dueKey(wait)),
      'Replace',
    ]);
    // The job's row first: a device row without it would mark a wait nobody settles.
    await submitInBatches(client, filed);
    await Promise.all(
      waits.map((wait) =>
        client.upsertEntity(entityOf(wait, devicePartition(wait.deviceId), wait.jobId), 'Replace'),
      ),
    );
  }

  met(jobId: string, limit: number): Promise<CompletionWait[]> {
    return this.range(jobId, 'm|', 'm}', limit);
  }

  due(jobId: string, now: string, limit: number): Promise<CompletionWait[]> {
    return this.range(jobId, 't|', `t|${now}}`, limit);
  }

  async nextDue(jobId: string): Promise<string | undefined> {
    const [first] = await this.range(jobId, 't|', 't}', 1);
    return first?.dueAt;
  }

  async remove(waits: readonly CompletionWait[]): Promise<void> {
    const client = await this.table();
    const keys = waits.flatMap((wait) => [
      [jobPartition(wait.jobId), dueKey(wait)],
      [jobPartition(wait.jobId), metKey(wait.deviceId)],
      [devicePartition(wait.deviceId), wait.jobId],
    ]);
    await Promise.all(
      keys.map(([partitionKey = '', rowKey = '']) => this.deleteIfPresent(partitionKey, rowKey, client)),
    );
  }

  async refile(wait: CompletionWait, dueAt: string): Promise<void> {
    if (dueAt === wait.dueAt) return;
    await this.add([{ ...wait, dueAt }]);
    await this.deleteIfPresent(jobPartition(wait.jobId), dueKey(wait));
  }

  async clearWake(jobId: string): Promise<void> {
    await this.deleteIfPresent(jobPartition(jobId), WAKE_KEY);
  }

  async deleteJob(jobId: string): Promise<void> {
    await deleteWhere(await this.table(), odata`PartitionKey eq ${jobPartition(jobId)}`);
  }

  async watchesOf(deviceId: string): Promise<TwinWatch[]> {
    const client = await this.table();
    const watches: TwinWatch[] = [];
    const rows = client.listEntities<Record<string, unknown>>({
      queryOptions: { filter: odata`PartitionKey eq ${devicePartition(deviceId)}` },
    });
    for await (const row of rows) watches.push(waitOf(client.tableName, row));
    return watches;
  }

  async anyWatches(): Promise<boolean> {
    const client = await this.table();
    // Device partitions are `d|…`; `}` follows `|`.
    const pages = client
      .listEntities({
        queryOptions: {
          filter: odata`PartitionKey ge ${'d|'} and PartitionKey lt ${'d}'}`,
          select: ['RowKey'],
        },
      })
      .byPage({ maxPageSize: 1 });
    // A range query may answer an empty page with a continuation: read on to the first row.
    for await (const page of pages) if (page.length > 0) return true;
    return false;
  }

  async markMet(watch: TwinWatch, at: string): Promise<boolean> {
    const client = await this.table();
    let wait: CompletionWait;
    try {
      wait = waitOf(
        client.tableName,
        await client.getEntity<Record<string, unknown>>(devicePartition(watch.deviceId), watch.jobId),
      );
    } catch (error: unknown) {
      if (isNotFound(error)) return false;
      throw error;
    }
    await client.upsertEntity(
      { ...entityOf(wait, jobPartition(wait.jobId), metKey(wait.deviceId)), metAt: at },
      'Replace',
    );
    await this.deleteIfPresent(devicePartition(wait.deviceId), wait.jobId, client);
    // One wake per settle: a wake mark already there means a wake is on its way (the settle clears it first).
    try {
      await client.createEntity({ partitionKey: jobPartition(wait.jobId), rowKey: WAKE_KEY, at });
      return true;
    } catch (error: unknown) {
      if (isConflict(error) || isPreconditionFailed(error)) return false;
      throw error;
    }
  }

  async drop(watch: TwinWatch): Promise<void> {
    await this.deleteIfPresent(devicePartition(watch.deviceId), watch.jobId);
  }

  private async range(jobId: string, from: string, to: string, limit: number): Promise<CompletionWait[]> {
    const client = await this.table();
    const filter = odata`PartitionKey eq ${jobPartition(jobId)} and RowKey ge ${from} and RowKey lt ${to}`;
    const pages = client
      .listEntities<Record<string, unknown>>({ queryOptions: { filter } })
      .byPage({ maxPageSize: limit });
    const waits: CompletionWait[] = [];
    for await (const page of pages) {
      for (const row of page) if (waits.length < limit) waits.push(waitOf(client.tableName, row));
      if (waits.length >= limit) break;
    }
    return waits;
  }

  private async deleteIfPresent(
    partitionKey: string,
    rowKey: string,
    known?: Awaited<ReturnType<LazyTable>>,
  ): Promise<void> {
    try {
      await (known ?? (await this.table())).deleteEntity(partitionKey, rowKey);
    } catch (error: unknown) {
      if (!isNotFound(error)) throw error;
    }
  }
}
