import * as v from 'valibot';
import { ConcurrencyConflictError } from '../iothub-rules';
import type { RegistryJobRecord } from '../registry-jobs/registry-job-model';
import type { RegistryJobRepository, StoredRegistryJob } from '../registry-jobs/ports';
import {
  encodeKey,
  isConflict,
  isNotFound,
  isPreconditionFailed,
  splitJson,
  type LazyTable,
} from './table-support';
import { column, parseStoredEntity, type StoredRow } from './stored-entity';

/** One partition: the job history is short (IoT Hub keeps 30 days) and listed whole, newest first. */
const PARTITION = 'registryjob';

function toEntity(job: RegistryJobRecord) {
  return {
    partitionKey: PARTITION,
    rowKey: encodeKey(job.jobId),
    status: job.status,
    createdTime: job.createdTime,
    ...splitJson('job', job),
  };
}

/** A registry job row read back: the job document's identity, state and targets are checked. */
const RegistryJobRowSchema = v.object({
  job: v.looseObject(
    {
      jobId: column.text(),
      type: column.oneOf(['export', 'import']),
      status: column.oneOf(['enqueued', 'running', 'completed', 'failed', 'cancelled']),
      progress: v.number('must be a number'),
      createdTime: column.text(),
      outputBlobContainerUri: column.text(),
      inputBlobName: column.text(),
      outputBlobName: column.text(),
      excludeKeysInExport: v.boolean('must be true or false'),
      storageAuthenticationType: column.oneOf(['keyBased', 'identityBased']),
    },
    'must be a JSON object',
  ),
});

const fromEntity = (table: string, entity: StoredRow) =>
  parseStoredEntity(table, RegistryJobRowSchema, entity, ['job']).job as RegistryJobRecord;

/** Import/export jobs in a table of their own (`<prefix>registryjobs`). */
export class RegistryJobsTableRepository implements RegistryJobRepository {
  constructor(private readonly table: LazyTable) {}

  async insert(job: RegistryJobRecord): Promise<void> {
    await (await this.table()).createEntity(toEntity(job));
  }

  async get(jobId: string): Promise<StoredRegistryJob | undefined> {
    try {
      const table = await this.table();
      const entity = await table.getEntity<Record<string, unknown>>(PARTITION, encodeKey(jobId));
      return { job: fromEntity(table.tableName, entity), etag: entity.etag };
    } catch (error: unknown) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async list(): Promise<RegistryJobRecord[]> {
    const jobs: RegistryJobRecord[] = [];
    const table = await this.table();
    const entities = table.listEntities<Record<string, unknown>>({
      queryOptions: { filter: `PartitionKey eq '${PARTITION}'` },
    });
    for await (const entity of entities) jobs.push(fromEntity(table.tableName, entity));
    return jobs.sort((a, b) => b.createdTime.localeCompare(a.createdTime) || a.jobId.localeCompare(b.jobId));
  }

  async delete(jobId: string): Promise<void> {
    try {
      await (await this.table()).deleteEntity(PARTITION, encodeKey(jobId));
    } catch (error: unknown) {
      if (!isNotFound(error)) throw error;
    }
  }

  async replace(job: RegistryJobRecord, etag: string): Promise<string> {
    try {
      const result = await (await this.table()).updateEntity(toEntity(job), 'Replace', { etag });
      return result.etag ?? '';
    } catch (error: unknown) {
      if (isPreconditionFailed(error) || isNotFound(error) || isConflict(error)) {
        throw new ConcurrencyConflictError(`Job '${job.jobId}'`);
      }
      throw error;
    }
  }
}
