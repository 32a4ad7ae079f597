import {
  type TableClient,
  type TableEntity,
  type TableEntityResult,
  type TransactionAction,
  odata,
} from '@azure/data-tables';
import type {
  DeviceJobError,
  DeviceJobRecord,
  DeviceJobStatus,
  DeviceMethodResponse,
  JobType,
} from '../jobs/core/job-model';
import type { DeviceJobFilter, DeviceJobRepository, Page, PageRequest } from '../jobs/core/ports';
import type { OverwrittenValue } from '../jobs/core/twin-overwritten';
import {
  asciiJson,
  decodeKey,
  deleteWhere,
  encodeKey,
  isNotFound,
  joinJson,
  readPage,
  splitJson,
  submitInBatches,
} from './table-support';

/**
 * Device job rows: PartitionKey = `<jobId>|<shard, 6 digits>`, RowKey = encoded device id. A shard is one
 * partition (its batch writes are transactions, its activity reads one partition); a job is the PartitionKey
 * range [`<jobId>|`, `<jobId>}`) — job ids cannot contain `|`, and `}` is the character after it.
 */
const partitionOf = (jobId: string, shard: number) => `${jobId}|${String(shard).padStart(6, '0')}`;

function jobRange(jobId: string): string {
  return odata`PartitionKey ge ${`${jobId}|`} and PartitionKey lt ${`${jobId}}`}`;
}

function toEntity(row: DeviceJobRecord): TableEntity {
  const entity: TableEntity = {
    partitionKey: partitionOf(row.jobId, row.shard),
    rowKey: encodeKey(row.deviceId),
    jobId: row.jobId,
    deviceId: row.deviceId,
    jobType: row.jobType,
    shard: row.shard,
    status: row.status,
    createdDateTimeUtc: row.createdDateTimeUtc,
    lastUpdatedDateTimeUtc: row.lastUpdatedDateTimeUtc,
  };
  if (row.startTimeUtc) entity.startTimeUtc = row.startTimeUtc;
  if (row.endTimeUtc) entity.endTimeUtc = row.endTimeUtc;
  if (row.outcome) Object.assign(entity, splitJson('outcome', row.outcome));
  if (row.error) entity.error = asciiJson(row.error);
  if (row.attempts !== undefined) entity.attempts = row.attempts;
  if (row.overwritten) Object.assign(entity, splitJson('overwritten', row.overwritten));
  if (row.restore) Object.assign(entity, splitJson('restore', row.restore));
  if (row.waitingUntil !== undefined) entity.waitingUntil = row.waitingUntil;
  return entity;
}

function fromEntity(entity: TableEntityResult<Record<string, unknown>>): DeviceJobRecord {
  const row: DeviceJobRecord = {
    jobId: entity.jobId as string,
    deviceId: typeof entity.deviceId === 'string' ? entity.deviceId : decodeKey(entity.rowKey ?? ''),
    jobType: entity.jobType as JobType,
    shard: entity.shard as number,
    status: entity.status as DeviceJobStatus,
    createdDateTimeUtc: entity.createdDateTimeUtc as string,
    lastUpdatedDateTimeUtc: entity.lastUpdatedDateTimeUtc as string,
  };
  if (typeof entity.startTimeUtc === 'string') row.startTimeUtc = entity.startTimeUtc;
  if (typeof entity.endTimeUtc === 'string') row.endTimeUtc = entity.endTimeUtc;
  const outcome = joinJson('outcome', entity);
  if (outcome) row.outcome = outcome as { deviceMethodResponse: DeviceMethodResponse };
  if (typeof entity.error === 'string') row.error = JSON.parse(entity.error) as DeviceJobError;
  if (typeof entity.attempts === 'number') row.attempts = entity.attempts;
  const overwritten = joinJson('overwritten', entity);
  if (overwritten) row.overwritten = overwritten as OverwrittenValue[];
  const restore = joinJson('restore', entity);
  if (restore) row.restore = restore as OverwrittenValue[];
  if (typeof entity.waitingUntil === 'string') row.waitingUntil = entity.waitingUntil;
  return row;
}

/** {@link DeviceJobRepository} on Azure Table Storage. */
export class TableDeviceJobRepository implements DeviceJobRepository {
  constructor(private readonly client: TableClient) {}

  async upsertMany(rows: readonly DeviceJobRecord[]): Promise<void> {
    // Replace, not merge: a row that lost its error or outcome must not keep the old one.
    const actions = rows.map((row): TransactionAction => ['upsert', toEntity(row), 'Replace']);
    await submitInBatches(this.client, actions);
  }

  async listShard(jobId: string, shard: number): Promise<DeviceJobRecord[]> {
    const rows: DeviceJobRecord[] = [];
    const filter = odata`PartitionKey eq ${partitionOf(jobId, shard)}`;
    for await (const entity of this.client.listEntities<Record<string, unknown>>({
      queryOptions: { filter },
    })) {
      rows.push(fromEntity(entity));
    }
    return rows;
  }

  async get(jobId: string, shard: number, deviceId: string): Promise<DeviceJobRecord | undefined> {
    try {
      return fromEntity(
        await this.client.getEntity<Record<string, unknown>>(partitionOf(jobId, shard), encodeKey(deviceId)),
      );
    } catch (error: unknown) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async query(filter: DeviceJobFilter, page: PageRequest): Promise<Page<DeviceJobRecord>> {
    const conditions: string[] = [];
    if (filter.jobId !== undefined) conditions.push(jobRange(filter.jobId));
    if (filter.deviceId !== undefined) conditions.push(odata`RowKey eq ${encodeKey(filter.deviceId)}`);
    if (filter.status !== undefined) conditions.push(odata`status eq ${filter.status}`);
    if (filter.jobType !== undefined) conditions.push(odata`jobType eq ${filter.jobType}`);
    const result = await readPage<Record<string, unknown>>(
      this.client,
      conditions.join(' and '),
      page.maxItems,
      page.continuationToken,
    );
    const items = result.entities.map(fromEntity);
    return result.continuationToken ? { items, continuationToken: result.continuationToken } : { items };
  }

  async deleteJob(jobId: string): Promise<void> {
    await deleteWhere(this.client, jobRange(jobId));
  }
}
