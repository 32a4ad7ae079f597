import type { TableEntityResult } from '@azure/data-tables';
import { ConcurrencyConflictError } from '../iothub-rules';
import type { RegistryJobRecord } from '../registry-jobs/registry-job-model';
import type { RegistryJobRepository, StoredRegistryJob } from '../registry-jobs/ports';
import {
  encodeKey,
  isConflict,
  isNotFound,
  isPreconditionFailed,
  joinJson,
  splitJson,
  type LazyTable,
} from './table-support';

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

const fromEntity = (entity: TableEntityResult<Record<string, unknown>>) =>
  joinJson('job', entity) as RegistryJobRecord;

/** Import/export jobs in a table of their own (`<prefix>registryjobs`). */
export class RegistryJobsTableRepository implements RegistryJobRepository {
  constructor(private readonly table: LazyTable) {}

  async insert(job: RegistryJobRecord): Promise<void> {
    await (await this.table()).createEntity(toEntity(job));
  }

  async get(jobId: string): Promise<StoredRegistryJob | undefined> {
    try {
      const entity = await (
        await this.table()
      ).getEntity<Record<string, unknown>>(PARTITION, encodeKey(jobId));
      return { job: fromEntity(entity), etag: entity.etag };
    } catch (error: unknown) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async list(): Promise<RegistryJobRecord[]> {
    const jobs: RegistryJobRecord[] = [];
    const entities = (await this.table()).listEntities<Record<string, unknown>>({
      queryOptions: { filter: `PartitionKey eq '${PARTITION}'` },
    });
    for await (const entity of entities) jobs.push(fromEntity(entity));
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
