import { type TableClient, type TableEntity, odata } from '@azure/data-tables';
import type { JobCloudEvent } from '../jobs/core/job-events';
import type { JobEventOutbox, PendingJobEvent } from '../jobs/core/ports';
import { joinJson, splitJson, statusCodeOf } from './table-support';

/** Outbox rows live in the job's partition of the jobs table, so they are written in the job row's transaction. */
const PREFIX = 'event-';
/** The first key after every `event-…` key ('.' follows '-'). */
const AFTER = 'event.';

export function outboxRowKey(sequence: number): string {
  return `${PREFIX}${String(sequence).padStart(10, '0')}`;
}

/** The outbox row of an event, to add to the job row's transaction. */
export function outboxEntity(jobId: string, event: JobCloudEvent): TableEntity {
  return { partitionKey: jobId, rowKey: outboxRowKey(Number(event.sequence)), ...splitJson('event', event) };
}

/** {@link JobEventOutbox} over the jobs table. */
export class TableJobEventOutbox implements JobEventOutbox {
  constructor(private readonly client: TableClient) {}

  async pending(jobId: string): Promise<PendingJobEvent[]> {
    const events: PendingJobEvent[] = [];
    const filter = odata`PartitionKey eq ${jobId} and RowKey ge ${PREFIX} and RowKey lt ${AFTER}`;
    for await (const entity of this.client.listEntities<Record<string, unknown>>({
      queryOptions: { filter },
    })) {
      const event = joinJson('event', entity) as JobCloudEvent;
      events.push({ jobId, sequence: Number(event.sequence), event });
    }
    return events.sort((a, b) => a.sequence - b.sequence);
  }

  async remove(jobId: string, sequence: number): Promise<void> {
    try {
      await this.client.deleteEntity(jobId, outboxRowKey(sequence));
    } catch (error: unknown) {
      if (statusCodeOf(error) !== 404) throw error;
    }
  }

  async jobsWithPending(): Promise<string[]> {
    const jobs = new Set<string>();
    const filter = odata`RowKey ge ${PREFIX} and RowKey lt ${AFTER}`;
    for await (const entity of this.client.listEntities({
      queryOptions: { filter, select: ['PartitionKey'] },
    })) {
      if (entity.partitionKey) jobs.add(entity.partitionKey);
    }
    return [...jobs];
  }
}
