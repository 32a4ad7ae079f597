import type { EndpointAnnouncement, EndpointDirectory } from '../devices/ports';
import { isNotFound, type LazyTable } from './table-support';

const PARTITION = 'endpoints';

interface EndpointEntity {
  partitionKey: string;
  rowKey: string;
  controlUrl: string;
  secret: string;
  startedAt: string;
}

const announcementOf = (entity: EndpointEntity): EndpointAnnouncement => ({
  endpointId: entity.rowKey,
  controlUrl: entity.controlUrl,
  secret: entity.secret,
  startedAt: entity.startedAt,
});

/** The device endpoints' announcements: one row per running endpoint in one partition (a handful of rows). */
export class DeviceEndpointsRepository implements EndpointDirectory {
  constructor(private readonly table: LazyTable) {}

  async announce(endpoint: EndpointAnnouncement): Promise<void> {
    const entity: EndpointEntity = {
      partitionKey: PARTITION,
      rowKey: endpoint.endpointId,
      controlUrl: endpoint.controlUrl,
      secret: endpoint.secret,
      startedAt: endpoint.startedAt,
    };
    await (await this.table()).upsertEntity(entity, 'Replace');
  }

  async withdraw(endpointId: string): Promise<void> {
    try {
      await (await this.table()).deleteEntity(PARTITION, endpointId);
    } catch (error: unknown) {
      if (!isNotFound(error)) throw error;
    }
  }

  async get(endpointId: string): Promise<EndpointAnnouncement | undefined> {
    try {
      return announcementOf(await (await this.table()).getEntity<EndpointEntity>(PARTITION, endpointId));
    } catch (error: unknown) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async latest(): Promise<EndpointAnnouncement | undefined> {
    let latest: EndpointEntity | undefined;
    const rows = (await this.table()).listEntities<EndpointEntity>({
      queryOptions: { filter: `PartitionKey eq '${PARTITION}'` },
    });
    for await (const row of rows) if (!latest || row.startedAt > latest.startedAt) latest = row;
    return latest && announcementOf(latest);
  }
}
