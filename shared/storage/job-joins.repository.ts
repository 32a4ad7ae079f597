import { type TableClient, type TransactionAction, odata } from '@azure/data-tables';
import type { JobJoinRepository, OpenContinuousJob } from '../jobs/core/ports';
import {
  MAX_BATCH_OPERATIONS,
  decodeKey,
  deleteWhere,
  encodeKey,
  isConflict,
  isNotFound,
  submitInBatches,
} from './table-support';

/**
 * Continuous jobs' rows. PartitionKey `|open` (no job id holds `|`): one row per open continuous job with its
 * condition. PartitionKey = job id: `m|<device>` a member (`origin` snapshot or joined), `q|<device>` a joined
 * device no step has taken yet. A join writes both in one transaction, so a device joins a job at most once (the
 * joins of one write go in transactions of 50 devices; one that finds a member already is retried device by device).
 */
const OPEN_PARTITION = '|open';
const MEMBER = 'm|';
const QUEUED = 'q|';
/** A join is two rows, and a transaction holds at most 100. */
const DEVICES_PER_TRANSACTION = MAX_BATCH_OPERATIONS / 2;

export class TableJobJoinRepository implements JobJoinRepository {
  constructor(private readonly client: TableClient) {}

  async open(job: OpenContinuousJob): Promise<void> {
    await this.client.upsertEntity(
      { partitionKey: OPEN_PARTITION, rowKey: job.jobId, queryCondition: job.queryCondition },
      'Replace',
    );
  }

  async close(jobId: string): Promise<void> {
    try {
      await this.client.deleteEntity(OPEN_PARTITION, jobId);
    } catch (error: unknown) {
      if (!isNotFound(error)) throw error;
    }
    await deleteWhere(this.client, odata`PartitionKey eq ${jobId}`);
  }

  async listOpen(): Promise<OpenContinuousJob[]> {
    const open: OpenContinuousJob[] = [];
    const rows = this.client.listEntities<{ queryCondition: string }>({
      queryOptions: { filter: odata`PartitionKey eq ${OPEN_PARTITION}` },
    });
    for await (const row of rows) open.push({ jobId: row.rowKey ?? '', queryCondition: row.queryCondition });
    return open;
  }

  async addSnapshotMembers(jobId: string, deviceIds: readonly string[]): Promise<void> {
    await submitInBatches(
      this.client,
      deviceIds.map((deviceId): TransactionAction => [
        'upsert',
        { partitionKey: jobId, rowKey: MEMBER + encodeKey(deviceId), origin: 'snapshot' },
        'Replace',
      ]),
    );
  }

  async joinMany(jobId: string, deviceIds: readonly string[], at: string): Promise<string[]> {
    const unique = [...new Set(deviceIds)];
    const joined: string[] = [];
    for (let from = 0; from < unique.length; from += DEVICES_PER_TRANSACTION) {
      const chunk = unique.slice(from, from + DEVICES_PER_TRANSACTION);
      try {
        await this.client.submitTransaction(
          chunk.flatMap((deviceId) => this.joinActions(jobId, deviceId, at)),
        );
        joined.push(...chunk);
      } catch (error: unknown) {
        // A member already fails the whole transaction: join that chunk's devices one by one.
        if (!isConflict(error)) throw error;
        const outcomes = await Promise.all(chunk.map((deviceId) => this.joinOne(jobId, deviceId, at)));
        joined.push(...chunk.filter((_, index) => outcomes[index]));
      }
    }
    return joined;
  }

  private joinActions(jobId: string, deviceId: string, at: string): TransactionAction[] {
    const key = encodeKey(deviceId);
    return [
      ['create', { partitionKey: jobId, rowKey: MEMBER + key, origin: 'joined', joinedAt: at }],
      ['create', { partitionKey: jobId, rowKey: QUEUED + key, joinedAt: at }],
    ];
  }

  private async joinOne(jobId: string, deviceId: string, at: string): Promise<boolean> {
    try {
      await this.client.submitTransaction(this.joinActions(jobId, deviceId, at));
      return true;
    } catch (error: unknown) {
      if (isConflict(error)) return false;
      throw error;
    }
  }

  async queued(jobId: string, limit: number): Promise<string[]> {
    const ids: string[] = [];
    const rows = this.client.listEntities({
      queryOptions: {
        filter: odata`PartitionKey eq ${jobId} and RowKey ge ${QUEUED} and RowKey lt ${'q}'}`,
        select: ['RowKey'],
      },
    });
    for await (const row of rows) {
      ids.push(decodeKey((row.rowKey ?? '').slice(QUEUED.length)));
      if (ids.length >= limit) break;
    }
    // A device the snapshot stored after it joined is the snapshot's (its member row says so): drop it here.
    const members = await Promise.all(ids.map((deviceId) => this.originOf(jobId, deviceId)));
    const stale = ids.filter((_, index) => members[index] === 'snapshot');
    if (stale.length > 0) await this.dequeue(jobId, stale);
    return ids.filter((_, index) => members[index] !== 'snapshot');
  }

  private async originOf(jobId: string, deviceId: string): Promise<string | undefined> {
    try {
      return (await this.client.getEntity<{ origin?: string }>(jobId, MEMBER + encodeKey(deviceId))).origin;
    } catch (error: unknown) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async dequeue(jobId: string, deviceIds: readonly string[]): Promise<void> {
    const actions = deviceIds.map((deviceId): TransactionAction => [
      'delete',
      { partitionKey: jobId, rowKey: QUEUED + encodeKey(deviceId) },
    ]);
    try {
      await submitInBatches(this.client, actions);
    } catch (error: unknown) {
      // A repeated step finds some gone already (a batch fails whole): delete one by one.
      if (!isNotFound(error)) throw error;
      for (const deviceId of deviceIds) {
        await this.client.deleteEntity(jobId, QUEUED + encodeKey(deviceId)).catch((failure: unknown) => {
          if (!isNotFound(failure)) throw failure;
        });
      }
    }
  }
}
