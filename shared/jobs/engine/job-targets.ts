import type { JobRecord } from '../core/job-model';
import type {
  DeviceIdListRepository,
  DeviceJobRepository,
  JobDeviceGateway,
  TargetPage,
} from '../core/ports';
import type { OverwrittenValue } from '../core/twin-overwritten';

/** A page of targets; a rollback job's page also says what to restore on each device (absent: not known). */
export interface ResolvedTargetPage extends TargetPage {
  restore?: ReadonlyMap<string, OverwrittenValue[]>;
}

/**
 * Targets resolved by one page read: a storage page (at most 1,000 rows, one of them read to tell whether more
 * follow) costs about what a page of 100 costs.
 */
const TARGET_PAGE_ROWS = 999;

/** Targets to read at once for shards of `shardSize`: whole shards within a storage page, at least one. */
export function targetPageSize(shardSize: number): number {
  return shardSize * Math.max(1, Math.floor(TARGET_PAGE_ROWS / shardSize));
}

/** A page of targets cut into shards of `shardSize`. */
export function shardsOf(deviceIds: readonly string[], shardSize: number): string[][] {
  const shards: string[][] = [];
  for (let start = 0; start < deviceIds.length; start += shardSize) {
    shards.push(deviceIds.slice(start, start + shardSize));
  }
  return shards;
}

/**
 * A job's targets, page by page, resumable from a page's continuation: the query through the gateway, the stored
 * id list (`<chunk>:<offset>`), or for a rollback job the parent's completed device rows (with the values each
 * overwrote). Target resolution thus runs in time-bounded steps, and a step never holds more than one page (or
 * one stored chunk) of ids.
 */
export class TargetPages {
  private cachedChunk: { index: number; ids: string[] | undefined } | undefined;

  constructor(
    private readonly deps: {
      deviceIdLists: DeviceIdListRepository;
      deviceJobs: DeviceJobRepository;
      gateway: JobDeviceGateway;
    },
    private readonly job: JobRecord,
  ) {}

  async read(continuation: string | undefined, maxItems: number): Promise<ResolvedTargetPage> {
    if (this.job.rollbackOf !== undefined)
      return this.completedOf(this.job.rollbackOf, continuation, maxItems);
    if (!this.job.deviceIdList) {
      return this.deps.gateway.resolveTargetsPage(
        this.job.queryCondition ?? '*',
        continuation === undefined ? { maxItems } : { maxItems, continuation },
      );
    }
    let [chunk, offset] = parseListPosition(continuation);
    const deviceIds: string[] = [];
    for (;;) {
      const ids = await this.chunk(chunk);
      if (!ids) return { deviceIds };
      const taken = ids.slice(offset, offset + maxItems - deviceIds.length);
      deviceIds.push(...taken);
      offset += taken.length;
      if (offset >= ids.length) {
        chunk += 1;
        offset = 0;
      }
      if (deviceIds.length === maxItems) {
        // Answers a continuation only when another id may follow (the next chunk is checked when read).
        return { deviceIds, continuation: `${chunk}:${offset}` };
      }
    }
  }

  private async completedOf(
    parentJobId: string,
    continuation: string | undefined,
    maxItems: number,
  ): Promise<ResolvedTargetPage> {
    const page = await this.deps.deviceJobs.query(
      { jobId: parentJobId, status: 'completed' },
      continuation === undefined ? { maxItems } : { maxItems, continuationToken: continuation },
    );
    const restore = new Map<string, OverwrittenValue[]>();
    for (const row of page.items) if (row.overwritten) restore.set(row.deviceId, row.overwritten);
    const deviceIds = page.items.map((row) => row.deviceId);
    return page.continuationToken
      ? { deviceIds, restore, continuation: page.continuationToken }
      : { deviceIds, restore };
  }

  private async chunk(index: number): Promise<string[] | undefined> {
    if (this.cachedChunk?.index !== index) {
      const listId = this.job.deviceIdList?.listId ?? '';
      this.cachedChunk = { index, ids: await this.deps.deviceIdLists.loadChunk(listId, index) };
    }
    return this.cachedChunk.ids;
  }
}

function parseListPosition(continuation: string | undefined): [number, number] {
  if (continuation === undefined) return [0, 0];
  const match = /^(\d+):(\d+)$/.exec(continuation);
  if (!match) throw new RangeError(`'${continuation}' is not a device id list position.`);
  return [Number(match[1]), Number(match[2])];
}
