import { type TableClient, type TableEntity, type TransactionAction, odata } from '@azure/data-tables';
import type { JobCloudEvent } from '../jobs/core/job-events';
import { outboxEntity } from './job-event-outbox.repository';
import { JobAlreadyExistsError } from '../jobs/core/job-errors';
import { ConcurrencyConflictError } from '../iothub-rules';
import {
  JOB_STATUSES,
  JOB_TYPES,
  type JobRecord,
  type JobStatus,
  type JobType,
} from '../jobs/core/job-model';
import { isTerminalJobStatus } from '../jobs/core/job-lifecycle';
import { type ShardCounters, aggregateStatistics } from '../jobs/core/job-statistics';
import type {
  JobFilter,
  JobRepository,
  Page,
  PageRequest,
  ShardState,
  StoredJob,
  StoredJobWithStatistics,
} from '../jobs/core/ports';
import * as v from 'valibot';
import { column, parseStoredEntity, type StoredRow } from './stored-entity';
import { deleteWhere, readPage, splitJson, statusCodeOf, submitInBatches } from './table-support';
import { releaseTableLease, takeTableLease } from './table-lease';

/**
 * Jobs table layout: PartitionKey = jobId. RowKey `job` is the job row; RowKeys `shard-000000`… are the
 * per-shard counter rows, so a job and its live statistics are read from one partition.
 */
const JOB_ROW = 'job';
/** The engine lease row: who runs the job's current engine step, until when. */
const LEASE_ROW = 'engine-lease';
const SHARD_PREFIX = 'shard-';
const shardRowKey = (shard: number) => `${SHARD_PREFIX}${String(shard).padStart(6, '0')}`;

/** Fields kept as columns (filterable); the rest of the record lives in the chunked `spec` JSON. */
interface JobColumns {
  type: JobType;
  status: JobStatus;
  createdTime: string;
  startTime: string;
  maxExecutionTimeInSeconds: number;
}

type JobSpec = Omit<JobRecord, keyof JobColumns | 'jobId'>;

function toEntity(job: JobRecord): TableEntity {
  const { jobId, type, status, createdTime, startTime, maxExecutionTimeInSeconds, ...spec } = job;
  return {
    partitionKey: jobId,
    rowKey: JOB_ROW,
    type,
    status,
    createdTime,
    startTime,
    maxExecutionTimeInSeconds,
    ...splitJson('spec', spec satisfies JobSpec),
  };
}

const optionalObject = v.optional(column.object());

/**
 * A job row read back. The columns are checked exactly; in `spec` the scalars and the id-list reference the engine
 * relies on are checked, and the request's nested objects (method, patch, controls) for being objects: the request
 * schemas checked their insides before they were written.
 */
const JobRowSchema = v.looseObject({
  partitionKey: column.text(),
  type: column.oneOf(JOB_TYPES),
  status: column.oneOf(JOB_STATUSES),
  createdTime: column.text(),
  startTime: column.text(),
  maxExecutionTimeInSeconds: column.integer(),
  spec: v.optional(
    v.looseObject(
      {
        cloudToDeviceMethod: optionalObject,
        updateTwin: optionalObject,
        queryCondition: column.optionalText(),
        deviceIdList: v.optional(
          v.looseObject({ listId: column.text(), count: column.integer() }, 'must be a JSON object'),
        ),
        runStartedTime: column.optionalText(),
        endTime: column.optionalText(),
        statusMessage: column.optionalText(),
        failureReason: column.optionalText(),
        parentJobId: column.optionalText(),
        rollbackOf: column.optionalText(),
        rollbackJobId: column.optionalText(),
        lastControlAction: optionalObject,
        nextWindowStart: column.optionalText(),
        endedWaves: v.optional(v.array(column.object(), 'must be a JSON array')),
        eventSequence: column.optionalInteger(),
        lastProgressEventTime: column.optionalText(),
        rolloutConfig: optionalObject,
        abortConfig: optionalObject,
        retryConfig: optionalObject,
        completionCondition: optionalObject,
        schedulingConfig: optionalObject,
        priority: v.optional(v.number('must be a number')),
        countMethodErrorsAsFailures: v.optional(v.boolean('must be true or false')),
        targetSelection: column.optionalText(),
      },
      'must be a JSON object',
    ),
  ),
});

function fromEntity(table: string, entity: StoredRow): JobRecord {
  const row = parseStoredEntity(table, JobRowSchema, entity, ['spec']);
  const spec = (row.spec ?? {}) as JobSpec;
  return {
    jobId: row.partitionKey,
    type: row.type,
    status: row.status,
    createdTime: row.createdTime,
    startTime: row.startTime,
    maxExecutionTimeInSeconds: row.maxExecutionTimeInSeconds,
    ...spec,
  };
}

const count = v.optional(column.integer(), 0);
/** A shard's counter row; a counter not yet written counts 0. */
const ShardRowSchema = v.looseObject({
  pending: count,
  running: count,
  succeeded: count,
  failed: count,
  canceled: count,
});

function countersOf(table: string, row: StoredRow): ShardCounters {
  const { pending, running, succeeded, failed, canceled } = parseStoredEntity(table, ShardRowSchema, row);
  return { pending, running, succeeded, failed, canceled };
}

/** {@link JobRepository} on Azure Table Storage. */
export class TableJobRepository implements JobRepository {
  constructor(private readonly client: TableClient) {}

  async create(job: JobRecord, events: readonly JobCloudEvent[] = []): Promise<StoredJob> {
    try {
      if (events.length === 0) {
        const response = await this.client.createEntity(toEntity(job));
        return { job, etag: response.etag ?? '' };
      }
      const response = await this.client.submitTransaction([
        ['create', toEntity(job)],
        ...events.map((event): TransactionAction => ['create', outboxEntity(job.jobId, event)]),
      ]);
      return { job, etag: response.subResponses[0]?.etag ?? '' };
    } catch (error: unknown) {
      if (statusCodeOf(error) === 409) throw new JobAlreadyExistsError(job.jobId);
      throw error;
    }
  }

  async get(jobId: string): Promise<StoredJob | undefined> {
    try {
      const entity = await this.client.getEntity<Record<string, unknown>>(jobId, JOB_ROW);
      return { job: fromEntity(this.client.tableName, entity), etag: entity.etag };
    } catch (error: unknown) {
      if (statusCodeOf(error) === 404) return undefined;
      throw error;
    }
  }

  async update(job: JobRecord, etag: string, events: readonly JobCloudEvent[] = []): Promise<string> {
    try {
      if (events.length === 0) {
        const response = await this.client.updateEntity(toEntity(job), 'Replace', { etag });
        return response.etag ?? '';
      }
      // The change and its events in one transaction: an event is stored exactly when its change is.
      const response = await this.client.submitTransaction([
        ['update', toEntity(job), 'Replace', { etag }],
        ...events.map((event): TransactionAction => ['create', outboxEntity(job.jobId, event)]),
      ]);
      return response.subResponses[0]?.etag ?? '';
    } catch (error: unknown) {
      const status = statusCodeOf(error);
      if (status === 412 || status === 404) throw new ConcurrencyConflictError(`Job '${job.jobId}'`);
      throw error;
    }
  }

  async delete(jobId: string): Promise<void> {
    await deleteWhere(this.client, odata`PartitionKey eq ${jobId}`);
  }

  async query(filter: JobFilter, page: PageRequest): Promise<Page<JobRecord>> {
    let condition = odata`RowKey eq ${JOB_ROW}`;
    if (filter.type) condition += odata` and type eq ${filter.type}`;
    if (filter.status) condition += odata` and status eq ${filter.status}`;
    const result = await readPage<Record<string, unknown>>(
      this.client,
      condition,
      page.maxItems,
      page.continuationToken,
    );
    const items = result.entities.map((entity) => fromEntity(this.client.tableName, entity));
    return result.continuationToken ? { items, continuationToken: result.continuationToken } : { items };
  }

  async countActive(limit: number): Promise<number> {
    const active = JOB_STATUSES.filter((status) => !isTerminalJobStatus(status));
    const statuses = active.map((status) => odata`status eq ${status}`).join(' or ');
    let count = 0;
    const pages = this.client
      .listEntities({
        queryOptions: {
          filter: `${odata`RowKey eq ${JOB_ROW}`} and (${statuses})`,
          select: ['PartitionKey'],
        },
      })
      .byPage({ maxPageSize: 1000 });
    for await (const page of pages) {
      count += page.length;
      if (count >= limit) return limit;
    }
    return count;
  }

  async writeShardCounters(jobId: string, shard: number, counters: ShardCounters): Promise<void> {
    // Merge keeps the shard's attempt mark.
    await this.client.upsertEntity({ partitionKey: jobId, rowKey: shardRowKey(shard), ...counters }, 'Merge');
  }

  async markShardsAttempted(jobId: string, shards: readonly number[]): Promise<void> {
    await submitInBatches(
      this.client,
      shards.map((shard): TransactionAction => [
        'upsert',
        { partitionKey: jobId, rowKey: shardRowKey(shard), attempted: true },
        'Merge',
      ]),
    );
  }

  async listShardStates(jobId: string): Promise<ShardState[]> {
    const states: ShardState[] = [];
    for await (const row of this.client.listEntities<Record<string, unknown>>({
      queryOptions: { filter: this.shardRowsOf(jobId) },
    })) {
      states.push({
        shard: Number((row.rowKey ?? '').slice(SHARD_PREFIX.length)),
        counters: countersOf(this.client.tableName, row),
        attempted: row.attempted === true,
      });
    }
    return states;
  }

  leaseEngine(jobId: string, holder: string, expiresAt: Date): Promise<boolean> {
    return takeTableLease(this.client, jobId, LEASE_ROW, holder, expiresAt);
  }

  releaseEngine(jobId: string, holder: string): Promise<void> {
    return releaseTableLease(this.client, jobId, LEASE_ROW, holder);
  }

  async deleteShardCounters(jobId: string): Promise<void> {
    await deleteWhere(this.client, this.shardRowsOf(jobId));
  }

  async getStatistics(jobId: string) {
    const shards: ShardCounters[] = [];
    for await (const row of this.client.listEntities<Record<string, unknown>>({
      queryOptions: { filter: this.shardRowsOf(jobId) },
    })) {
      shards.push(countersOf(this.client.tableName, row));
    }
    return aggregateStatistics(shards);
  }

  async getWithStatistics(jobId: string): Promise<StoredJobWithStatistics | undefined> {
    // One partition query for the job row and its counter rows: half the requests of a point read plus a query.
    let stored: StoredJob | undefined;
    const shards: ShardCounters[] = [];
    for await (const row of this.client.listEntities<Record<string, unknown>>({
      queryOptions: {
        filter: `(${this.shardRowsOf(jobId)}) or (${odata`PartitionKey eq ${jobId} and RowKey eq ${JOB_ROW}`})`,
      },
    })) {
      if (row.rowKey === JOB_ROW) stored = { job: fromEntity(this.client.tableName, row), etag: row.etag };
      else shards.push(countersOf(this.client.tableName, row));
    }
    return stored && { ...stored, statistics: aggregateStatistics(shards) };
  }

  private shardRowsOf(jobId: string): string {
    // RowKeys `shard-…` sort between `shard-` and `shard.` ('.' follows '-').
    return odata`PartitionKey eq ${jobId} and RowKey ge ${SHARD_PREFIX} and RowKey lt ${'shard.'}`;
  }
}
