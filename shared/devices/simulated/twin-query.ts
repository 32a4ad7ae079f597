import { ArgumentInvalidError } from '../../http';
import {
  CONTINUATION_REFUSED,
  isPlainObject,
  openContinuationObject,
  sealContinuation,
  type PageRequest,
} from '../../iothub-rules';
import {
  evaluate,
  isAggregateQuery,
  planIndexLookups,
  planQuery,
  projectDocument,
  QueryAggregation,
  WorkSlices,
  type Expression,
  type Query,
} from '../../query';
import type { DeviceRecord, TwinWire } from '../device-model';
import type { IndexPageRequest, ScanPosition, StoredDevice } from '../ports';
import type { QueryPage } from '../query-sources';
import type { EmbeddedRegistry } from './embedded-registry';

/**
 * Where a twin query resumes, with the rows returned so far: a scan position, an index into the planned key
 * list, or the device the twin index's candidates resume at.
 */
type Cursor = { after?: ScanPosition; keyIndex?: number; indexFrom?: string; returned: number };

const TWIN_LISTING = 'devices';
const refused = () => new ArgumentInvalidError(`x-ms-continuation ${CONTINUATION_REFUSED}.`);

function readCursor(token: string | undefined): Cursor {
  if (token === undefined) return { returned: 0 };
  const value = openContinuationObject(TWIN_LISTING, token);
  if (!value || typeof value.returned !== 'number') throw refused();
  const cursor: Cursor = { returned: value.returned };
  if (isPlainObject(value.after)) {
    const { partitionKey, rowKey } = value.after;
    if (typeof partitionKey !== 'string' || typeof rowKey !== 'string') throw refused();
    cursor.after = { partitionKey, rowKey };
  }
  if (typeof value.keyIndex === 'number') cursor.keyIndex = value.keyIndex;
  if (typeof value.indexFrom === 'string') cursor.indexFrom = value.indexFrom;
  return cursor;
}

const KEY_CHUNK = 100;
/** Table Storage answers at most 1,000 entities a page. */
const SCAN_PAGE_ROWS = 1_000;

/**
 * Runs `SELECT … FROM devices [WHERE …]` over the embedded registry, one page at a time. The query planner turns
 * `deviceId = '…'` / `deviceId IN […]` (alone, or ANDed with more) into point reads; anything else scans the
 * table in key order and evaluates the condition on each twin. A page holds up to `maxItemCount` rows; the
 * continuation is given only when another matching row exists. Aggregates (COUNT, GROUP BY) answer in one page.
 */
export async function queryTwins(
  registry: EmbeddedRegistry,
  query: Query,
  page: PageRequest,
  /** Given each stored device a row of the page came from (the job engine's gateway keeps them for its calls). */
  onRow?: (stored: StoredDevice) => void,
): Promise<QueryPage> {
  if (isAggregateQuery(query)) {
    const aggregation = new QueryAggregation(query);
    for await (const { twin } of matchingTwins(registry, query.where)) aggregation.add(twin);
    return { items: aggregation.rows(), itemType: 'Twin' };
  }

  const cursor = readCursor(page.continuationToken);
  const limit =
    query.top === undefined ? page.maxItems : Math.min(page.maxItems, query.top - cursor.returned);
  const items: unknown[] = [];
  let resumeAt: Cursor | undefined;
  if (limit > 0) {
    // One row beyond the page tells whether a continuation is due.
    for await (const match of matchingTwins(registry, query.where, cursor, limit + 1)) {
      if (items.length === limit) {
        const returned = cursor.returned + items.length;
        if (query.top === undefined || returned < query.top) resumeAt = { ...match.before, returned };
        break;
      }
      items.push(projectDocument(query.projection, match.twin));
      onRow?.(match.stored);
    }
  }
  const result: QueryPage = { items, itemType: 'Twin' };
  if (resumeAt) result.continuationToken = sealContinuation(TWIN_LISTING, resumeAt);
  return result;
}

/**
 * The candidates the twin index gives for a condition, page by page from `from` on (in the index's key order),
 * or undefined when the index cannot narrow it.
 */
async function indexedCandidates(
  registry: EmbeddedRegistry,
  condition: Expression | null,
  from: string | undefined,
  /** Candidates read at a time: as many as the caller takes (further pages follow if the condition drops some). */
  pageSize: number,
): Promise<AsyncGenerator<string[]> | undefined> {
  const entries = planIndexLookups(condition);
  const { repository } = registry;
  if (entries === undefined || !repository.indexedDeviceIds) return undefined;
  const limit = Math.min(SCAN_PAGE_ROWS, Math.max(1, pageSize));
  const read = (start: IndexPageRequest['from']) =>
    repository.indexedDeviceIds?.(entries, start ? { from: start, limit } : { limit });
  const first = await read(from === undefined ? undefined : { deviceId: from, inclusive: true });
  if (first === undefined) return undefined;
  return (async function* pages() {
    for (let ids: string[] | undefined = first; ids !== undefined;) {
      if (ids.length > 0) yield ids;
      const last = ids[ids.length - 1];
      if (ids.length < limit || last === undefined) return;
      ids = await read({ deviceId: last, inclusive: false });
    }
  })();
}

/**
 * Matching twins from a cursor on, each with its stored device and the cursor that resumes at it (in key order).
 * A scan without a condition reads storage pages of `pageSize` rows (as many as the caller takes: every row
 * matches), with one, pages of 1,000 (Table Storage's most). The condition is
 * evaluated in short slices of work, so a long scan never holds the event loop for more than about one slice.
 */
export async function* matchingTwins(
  registry: EmbeddedRegistry,
  where: Expression | null,
  from: { after?: ScanPosition; keyIndex?: number; indexFrom?: string } = {},
  pageSize = SCAN_PAGE_ROWS,
): AsyncGenerator<{ twin: TwinWire; stored: StoredDevice; before: Omit<Cursor, 'returned'> }> {
  const planned = planQuery(where, { keyProperty: 'deviceId' });
  const twinOf = (record: DeviceRecord) => registry.toTwinWire(registry.current(record));
  const slices = new WorkSlices();
  const twinsOf = async function* (ids: string[], before: (offset: number) => Omit<Cursor, 'returned'>) {
    const found = await registry.repository.getMany(ids);
    const byId = new Map(found.map((stored) => [stored.record.deviceId, stored]));
    for (const [offset, id] of ids.entries()) {
      const stored = byId.get(id);
      if (!stored) continue;
      const twin = twinOf(stored.record);
      if (evaluate(planned.residual, twin)) yield { twin, stored, before: before(offset) };
      await slices.checkpoint();
    }
  };
  if (planned.kind === 'keys') {
    const keys = [...new Set(planned.keys)].sort();
    for (let index = from.keyIndex ?? 0; index < keys.length; index += KEY_CHUNK) {
      yield* twinsOf(keys.slice(index, index + KEY_CHUNK), (offset) => ({ keyIndex: index + offset }));
    }
    return;
  }
  const candidates = await indexedCandidates(registry, planned.residual, from.indexFrom, pageSize);
  if (candidates) {
    for await (const page of candidates) {
      for (let index = 0; index < page.length; index += KEY_CHUNK) {
        const ids = page.slice(index, index + KEY_CHUNK);
        yield* twinsOf(ids, (offset) => ({ indexFrom: ids[offset] }));
      }
    }
    return;
  }
  let previous = from.after;
  const size = planned.residual === null ? Math.min(SCAN_PAGE_ROWS, Math.max(1, pageSize)) : SCAN_PAGE_ROWS;
  for await (const { device, position } of registry.repository.scan(
    previous ? { after: previous, pageSize: size } : { pageSize: size },
  )) {
    const twin = twinOf(device.record);
    if (evaluate(planned.residual, twin))
      yield { twin, stored: device, before: previous ? { after: previous } : {} };
    previous = position;
    await slices.checkpoint();
  }
}
