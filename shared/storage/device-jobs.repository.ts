import { type TableClient, type TableEntity, type TransactionAction, odata } from '@azure/data-tables';
import { DEVICE_JOB_STATUSES, JOB_TYPES, type DeviceJobRecord } from '../jobs/core/job-model';
import type { DeviceJobFilter, DeviceJobRepository, Page, PageRequest } from '../jobs/core/ports';
import * as v from 'valibot';
import { withoutAbsent } from '@device-jobs/client/schemas';
import { column, parseStoredEntity, type StoredRow } from './stored-entity';
import {
  asciiJson,
  decodeKey,
  deleteWhere,
  encodeKey,
  isNotFound,
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

/** Whether `next` sets every property `stored` has (a merge of `next` then leaves nothing of `stored` behind). */
function holdsEveryProperty(next: TableEntity, stored: TableEntity): boolean {
  for (const [name, value] of Object.entries(stored)) {
    if (value !== undefined && next[name] === undefined) return false;
  }
  return true;
}

const OverwrittenValuesSchema = v.array(
  v.object(
    { path: v.array(column.text(), 'must be a JSON array'), value: v.optional(v.unknown()) },
    'must be a JSON object',
  ),
  'must be a JSON array',
);

/**
 * A device job row read back: columns checked exactly, the JSON values for their outer shape (the run step built
 * their insides).
 */
const DeviceJobRowSchema = v.object({
  rowKey: column.text(),
  jobId: column.text(),
  deviceId: column.optionalText(),
  jobType: column.oneOf(JOB_TYPES),
  shard: column.integer(),
  status: column.oneOf(DEVICE_JOB_STATUSES),
  createdDateTimeUtc: column.text(),
  lastUpdatedDateTimeUtc: column.text(),
  startTimeUtc: column.optionalText(),
  endTimeUtc: column.optionalText(),
  outcome: v.optional(
    v.object(
      {
        deviceMethodResponse: v.object(
          { status: column.integer(), payload: v.optional(v.unknown()) },
          'must be a JSON object',
        ),
      },
      'must be a JSON object',
    ),
  ),
  error: v.optional(
    v.pipe(
      v.string('must be a string'),
      v.parseJson(undefined, 'must be JSON'),
      v.looseObject({ code: column.text(), description: column.text() }, 'must be a JSON object'),
    ),
  ),
  attempts: column.optionalInteger(),
  overwritten: v.optional(OverwrittenValuesSchema),
  restore: v.optional(OverwrittenValuesSchema),
  waitingUntil: column.optionalText(),
});

function fromEntity(table: string, entity: StoredRow): DeviceJobRecord {
  const stored = parseStoredEntity(table, DeviceJobRowSchema, entity, ['outcome', 'overwritten', 'restore']);
  const { rowKey, deviceId, outcome, error, ...fields } = stored;
  const row: DeviceJobRecord = { ...withoutAbsent(fields), deviceId: deviceId ?? decodeKey(rowKey) };
  if (outcome) {
    const { status, payload } = outcome.deviceMethodResponse;
    row.outcome = { deviceMethodResponse: { status, payload } };
  }
  if (error) row.error = { code: error.code, description: error.description };
  return row;
}

/** {@link DeviceJobRepository} on Azure Table Storage. */
export class TableDeviceJobRepository implements DeviceJobRepository {
  constructor(private readonly client: TableClient) {}

  async upsertMany(
    rows: readonly DeviceJobRecord[],
    stored?: ReadonlyMap<string, DeviceJobRecord>,
  ): Promise<void> {
    const actions = rows.map((row): TransactionAction => {
      const entity = toEntity(row);
      const before = stored?.get(row.deviceId);
      // Replace unless the row keeps every property of the stored one: a row that lost its error or outcome must
      // not keep the old one. Azurite updates a merged entity in place but removes and re-inserts a replaced one,
      // which costs in proportion to the table.
      const merge = before !== undefined && holdsEveryProperty(entity, toEntity(before));
      return ['upsert', entity, merge ? 'Merge' : 'Replace'];
    });
    await submitInBatches(this.client, actions);
  }

  async listShard(jobId: string, shard: number): Promise<DeviceJobRecord[]> {
    const rows: DeviceJobRecord[] = [];
    const filter = odata`PartitionKey eq ${partitionOf(jobId, shard)}`;
    for await (const entity of this.client.listEntities<Record<string, unknown>>({
      queryOptions: { filter },
    })) {
      rows.push(fromEntity(this.client.tableName, entity));
    }
    return rows;
  }

  async get(jobId: string, shard: number, deviceId: string): Promise<DeviceJobRecord | undefined> {
    try {
      return fromEntity(
        this.client.tableName,
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
    const items = result.entities.map((entity) => fromEntity(this.client.tableName, entity));
    return result.continuationToken ? { items, continuationToken: result.continuationToken } : { items };
  }

  async deleteJob(jobId: string): Promise<void> {
    await deleteWhere(this.client, jobRange(jobId));
  }
}
