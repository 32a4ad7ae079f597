import { odata, type TableClient, type TableEntityResult } from '@azure/data-tables';
import { isStatus } from './storage-status';
import type { RuntimeStatus } from './history-event';
import type { InstanceRecord } from './instance-record';

export { pendingInstance, type InstanceRecord } from './instance-record';

/** An etag-checked write lost against another writer. */
export class ConcurrencyConflictError extends Error {
  override name = 'ConcurrencyConflictError';
  readonly code = 'ConcurrencyConflict';
}

/** The `<hub>Instances…` table: one row per orchestration instance, replaced only with an etag check. */
export class InstanceTable {
  constructor(readonly table: TableClient) {}

  async read(instanceId: string): Promise<InstanceRecord | undefined> {
    try {
      const entity = await this.table.getEntity<Record<string, unknown>>(instanceId, '');
      return toRecord(entity);
    } catch (error: unknown) {
      if (isStatus(error, 404)) return undefined;
      throw error;
    }
  }

  /** Writes an instance row: created when `etag` is undefined, else replaced if nobody changed it since. */
  async write(record: InstanceRecord, etag: string | undefined): Promise<string> {
    const entity = toEntity(record);
    try {
      const response =
        etag === undefined
          ? await this.table.createEntity(entity)
          : await this.table.updateEntity(entity, 'Replace', { etag });
      return response.etag ?? '';
    } catch (error: unknown) {
      if (isStatus(error, 409) || isStatus(error, 412) || (etag !== undefined && isStatus(error, 404))) {
        throw new ConcurrencyConflictError(`Instance ${record.instanceId} was changed by another writer.`);
      }
      throw error;
    }
  }

  async delete(instanceId: string): Promise<void> {
    try {
      await this.table.deleteEntity(instanceId, '');
    } catch (error: unknown) {
      if (!isStatus(error, 404)) throw error;
    }
  }

  /** Lists instance rows matching a filter, one page at a time. */
  async list(options: {
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
    const pages = this.table
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
    lastToken: text(entity.LastToken) ?? '',
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
