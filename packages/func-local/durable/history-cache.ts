import type { HistoryEvent } from './history-event';
import type { InstanceRecord } from './instance-table';

interface Entry {
  row: InstanceRecord;
  events: HistoryEvent[];
}

/** The last committed row and history of recently run instances, least recently used evicted first. */
export class HistoryCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly limit: number) {}

  get(instanceId: string): Entry | undefined {
    return this.entries.get(instanceId);
  }

  /** The cached history when it is the one `row` names (same execution, episode and token). */
  historyOf(row: InstanceRecord): HistoryEvent[] | undefined {
    const cached = this.entries.get(row.instanceId);
    if (
      cached &&
      cached.row.executionId === row.executionId &&
      cached.row.lastEpisode === row.lastEpisode &&
      cached.row.lastToken === row.lastToken
    ) {
      return cached.events;
    }
    return undefined;
  }

  remember(row: InstanceRecord, events: HistoryEvent[]): void {
    this.entries.delete(row.instanceId);
    if (this.entries.size >= this.limit) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(row.instanceId, { row, events });
  }

  delete(instanceId: string): void {
    this.entries.delete(instanceId);
  }
}
