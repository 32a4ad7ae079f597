import type { TableClient } from '@azure/data-tables';
import type { DurationObservation } from '../jobs/core/job-estimate';
import type { JobType } from '../jobs/core/job-model';
import type { DurationObservationRepository } from '../jobs/core/ports';
import { statusCodeOf } from './table-support';

/** In the jobs table, under a PartitionKey no job id can have (`!` is not allowed in job ids). */
const PARTITION = '!observations';

/** {@link DurationObservationRepository}: one row per job type, replaced by every finished job. */
export class TableDurationObservationRepository implements DurationObservationRepository {
  constructor(private readonly client: TableClient) {}

  async latest(type: JobType): Promise<DurationObservation | undefined> {
    try {
      const entity = await this.client.getEntity<Record<string, unknown>>(PARTITION, type);
      const { jobId, observedAt, meanDeviceSeconds, overheadSeconds, slowdown } = entity;
      if (
        typeof jobId !== 'string' ||
        typeof observedAt !== 'string' ||
        typeof meanDeviceSeconds !== 'number' ||
        typeof overheadSeconds !== 'number'
      ) {
        return undefined;
      }
      const observation: DurationObservation = { jobId, observedAt, meanDeviceSeconds, overheadSeconds };
      if (typeof slowdown === 'number') observation.slowdown = slowdown;
      return observation;
    } catch (error: unknown) {
      if (statusCodeOf(error) === 404) return undefined;
      throw error;
    }
  }

  async record(type: JobType, observation: DurationObservation): Promise<void> {
    await this.client.upsertEntity({ partitionKey: PARTITION, rowKey: type, ...observation }, 'Replace');
  }
}
