import { type TableClient, odata } from '@azure/data-tables';
import * as v from 'valibot';
import { ConcurrencyConflictError } from '../iothub-rules';
import type { JobScheduleRecord } from '../jobs/core/job-schedule-model';
import type { JobScheduleRepository, Page, PageRequest } from '../jobs/core/ports';
import { column, parseStoredEntity, type StoredRow } from './stored-entity';
import { readPage, splitJson, statusCodeOf } from './table-support';
import { releaseTableLease, takeTableLease } from './table-lease';

/** PartitionKey = schedule id, RowKey `schedule`; `enabled` and `nextRunTime` are columns so ticks can filter. */
const ROW = 'schedule';
/** The schedule's firing lease, a row beside it (see `takeTableLease`). */
const FIRING_LEASE_ROW = 'firing-lease';

type ScheduleSpec = Omit<JobScheduleRecord, 'scheduleId' | 'enabled' | 'nextRunTime'>;

function toEntity(record: JobScheduleRecord) {
  const { scheduleId, enabled, nextRunTime, ...spec } = record;
  return {
    partitionKey: scheduleId,
    rowKey: ROW,
    enabled,
    ...(nextRunTime !== undefined ? { nextRunTime } : {}),
    ...splitJson('spec', spec satisfies ScheduleSpec),
  };
}

/** A schedule row read back; the job template was validated as a job body before it was written. */
const ScheduleRowSchema = v.looseObject({
  partitionKey: column.text(),
  enabled: v.boolean('must be true or false'),
  nextRunTime: column.optionalText(),
  spec: v.looseObject(
    {
      schedule: column.text(),
      timeZone: column.text(),
      jobTemplate: column.object(),
      createdTime: column.text(),
      lastUpdatedTime: column.text(),
      lastJobId: column.optionalText(),
      lastRunTime: column.optionalText(),
    },
    'must be a JSON object',
  ),
});

function fromEntity(table: string, entity: StoredRow): JobScheduleRecord {
  const row = parseStoredEntity(table, ScheduleRowSchema, entity, ['spec']);
  // `firingUntil`: the firing lease that rows written before the lease row carried (it moved to its own row).
  const { firingUntil: _firingUntil, ...spec } = row.spec;
  const record: JobScheduleRecord = {
    ...(spec as ScheduleSpec),
    scheduleId: row.partitionKey,
    enabled: row.enabled,
  };
  if (row.nextRunTime !== undefined) record.nextRunTime = row.nextRunTime;
  return record;
}

/** {@link JobScheduleRepository} on Azure Table Storage; every change is guarded by the row's etag. */
export class TableJobScheduleRepository implements JobScheduleRepository {
  constructor(private readonly client: TableClient) {}

  async get(scheduleId: string) {
    try {
      const entity = await this.client.getEntity<Record<string, unknown>>(scheduleId, ROW);
      return { schedule: fromEntity(this.client.tableName, entity), etag: entity.etag };
    } catch (error: unknown) {
      if (statusCodeOf(error) === 404) return undefined;
      throw error;
    }
  }

  async save(schedule: JobScheduleRecord, etag: string | undefined): Promise<string> {
    try {
      const response =
        etag === undefined
          ? await this.client.createEntity(toEntity(schedule))
          : await this.client.updateEntity(toEntity(schedule), 'Replace', { etag });
      return response.etag ?? '';
    } catch (error: unknown) {
      const status = statusCodeOf(error);
      if (status === 409 || status === 412 || status === 404) {
        throw new ConcurrencyConflictError(`Job schedule '${schedule.scheduleId}'`);
      }
      throw error;
    }
  }

  async delete(scheduleId: string, etag: string): Promise<void> {
    try {
      await this.client.deleteEntity(scheduleId, ROW, { etag });
    } catch (error: unknown) {
      const status = statusCodeOf(error);
      if (status === 412 || status === 404)
        throw new ConcurrencyConflictError(`Job schedule '${scheduleId}'`);
      throw error;
    }
  }

  async list(page: PageRequest): Promise<Page<JobScheduleRecord>> {
    const result = await readPage<Record<string, unknown>>(
      this.client,
      odata`RowKey eq ${ROW}`,
      page.maxItems,
      page.continuationToken,
    );
    const items = result.entities.map((entity) => fromEntity(this.client.tableName, entity));
    return result.continuationToken ? { items, continuationToken: result.continuationToken } : { items };
  }

  async due(now: Date) {
    const due: { schedule: JobScheduleRecord; etag: string }[] = [];
    const filter = odata`RowKey eq ${ROW} and enabled eq true and nextRunTime le ${now.toISOString()}`;
    for await (const entity of this.client.listEntities<Record<string, unknown>>({
      queryOptions: { filter },
    })) {
      due.push({ schedule: fromEntity(this.client.tableName, entity), etag: entity.etag });
    }
    return due;
  }

  leaseFiring(scheduleId: string, holder: string, expiresAt: Date): Promise<boolean> {
    return takeTableLease(this.client, scheduleId, FIRING_LEASE_ROW, holder, expiresAt);
  }

  releaseFiring(scheduleId: string, holder: string): Promise<void> {
    return releaseTableLease(this.client, scheduleId, FIRING_LEASE_ROW, holder);
  }
}
