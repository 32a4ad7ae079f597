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
 * list, or the device the twin index's candidates resume at. `share`: the share of devices a planned scan expects
 * to match, so that each page reads about the rows it returns.
 */
type Cursor = {
  after?: ScanPosition;
  keyIndex?: number;
  indexFrom?: string;
  share?: number;
  returned: number;
};
type From = Omit<Cursor, 'returned'>;

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
  if (typeof value.share === 'number' && value.share > 0 && value.share <= 1) cursor.share = value.share;
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

/** The candidates the twin index gives for a condition, page by page, and whether its first page was full. */
interface IndexCandidates {
  pages: AsyncGenerator<string[]>;
  /** The first page held as many candidates as asked: the condition may select a large share of the fleet. */
  full: boolean;
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
): Promise<IndexCandidates | undefined> {
  const entries = planIndexLookups(condition);
  const { repository } = registry;
  if (entries === undefined || !repository.indexedDeviceIds) return undefined;
  const limit = Math.min(SCAN_PAGE_ROWS, Math.max(1, pageSize));
  const read = (start: IndexPageRequest['from']) =>
    repository.indexedDeviceIds?.(entries, start ? { from: start, limit } : { limit });
  const first = await read(from === undefined ? undefined : { deviceId: from, inclusive: true });
  if (first === undefined) return undefined;
  const pages = (async function* pages() {
    for (let ids: string[] | undefined = first; ids !== undefined;) {
      if (ids.length > 0) yield ids;
      const last = ids[ids.length - 1];
      if (ids.length < limit || last === undefined) return;
      ids = await read({ deviceId: last, inclusive: false });
    }
  })();
  return { pages, full: first.length >= limit };
}

/**
 * At or above this share of the fleet matching, scanning is cheaper than the index: a scan reads every device once
 * in pages of 1,000 (one request per page), while the index costs an index entity and a point read (one request)
 * per candidate; measured on Azurite, a scan returns ~10,000 rows/s and the index path ~2,000 candidates/s.
 */
export const SCAN_SHARE = 0.2;

/** Devices sampled to estimate a condition's share: the scan's first page (its rows are reused if it scans). */
const SAMPLE_ROWS = SCAN_PAGE_ROWS;

type ScannedRow = { device: StoredDevice; position: ScanPosition };

/**
 * The access path of a query's first page when the index could serve it. An index page that is not full means
 * few candidates: the index. A full one: the scan's first page (a sample of the fleet, since devices are spread
 * over partitions by a hash of their id) tells the share of devices that match; a large share scans.
 */
async function chooseAccess(
  registry: EmbeddedRegistry,
  condition: Expression,
  candidates: IndexCandidates,
  scan: AsyncIterator<ScannedRow>,
  twinOf: (record: DeviceRecord) => TwinWire,
): Promise<{ path: 'index' | 'scan'; sample: ScannedRow[]; share: number }> {
  if (!candidates.full) {
    registry.debug?.('Twin query plan: index (fewer candidates than a page).');
    return { path: 'index', sample: [], share: 0 };
  }
  const sample: ScannedRow[] = [];
  while (sample.length < SAMPLE_ROWS) {
    const next = await scan.next();
    if (next.done) break;
    sample.push(next.value);
  }
  const matching = sample.filter((row) => evaluate(condition, twinOf(row.device.record))).length;
  const share = sample.length === 0 ? 0 : matching / sample.length;
  const path = share >= SCAN_SHARE ? 'scan' : 'index';
  registry.debug?.(
    `Twin query plan: ${path} (${matching} of ${sample.length} sampled devices match: ` +
      `${(share * 100).toFixed(1)} %, scan from ${SCAN_SHARE * 100} %).`,
  );
  return { path, sample, share };
}

function scanCursor(after: ScanPosition | undefined, share: number | undefined): From {
  const cursor: From = after ? { after } : {};
  // Two decimals keep the token short; a planned scan's share is at least SCAN_SHARE.
  if (share !== undefined) cursor.share = Math.max(0.01, Math.round(share * 100) / 100);
  return cursor;
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
  from: From = {},
  pageSize = SCAN_PAGE_ROWS,
): AsyncGenerator<{ twin: TwinWire; stored: StoredDevice; before: From }> {
  const planned = planQuery(where, { keyProperty: 'deviceId' });
  const twinOf = (record: DeviceRecord) => registry.toTwinWire(registry.current(record));
  const slices = new WorkSlices();
  const twinsOf = async function* (ids: string[], before: (offset: number) => From) {
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
  // A scan's continuation goes on scanning: the path was chosen on the query's first page.
  const candidates =
    from.after === undefined
      ? await indexedCandidates(registry, planned.residual, from.indexFrom, pageSize)
      : undefined;
  let share = planned.residual === null ? 1 : from.share;
  let previous = from.after;
  // Storage pages of about the rows the caller takes: every row matches without a condition, a planned scan knows
  // its share; any other condition reads pages of 1,000 (Table Storage's most).
  const scan = (): AsyncIterator<ScannedRow> => {
    const size =
      share === undefined
        ? SCAN_PAGE_ROWS
        : Math.min(SCAN_PAGE_ROWS, Math.max(1, Math.ceil(pageSize / share)));
    const rows = registry.repository.scan(
      previous ? { after: previous, pageSize: size } : { pageSize: size },
    );
    return rows[Symbol.asyncIterator]();
  };
  let rows: AsyncIterator<ScannedRow> | undefined;
  let sample: ScannedRow[] = [];
  if (candidates && planned.residual !== null && from.indexFrom === undefined) {
    // A query's first page: the index or a scan, by the share of the fleet the condition selects.
    rows = scan();
    const choice = await chooseAccess(registry, planned.residual, candidates, rows, twinOf);
    if (choice.path === 'scan') {
      sample = choice.sample;
      share = choice.share;
    } else {
      await rows.return?.();
      rows = undefined;
    }
  }
  if (candidates && rows === undefined) {
    for await (const page of candidates.pages) {
      for (let index = 0; index < page.length; index += KEY_CHUNK) {
        const ids = page.slice(index, index + KEY_CHUNK);
        yield* twinsOf(ids, (offset) => ({ indexFrom: ids[offset] }));
      }
    }
    return;
  }
  await candidates?.pages.return(undefined);
  const scanned = async function* () {
    yield* sample;
    const rest = rows ?? scan();
    for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
  };
  for await (const { device, position } of scanned()) {
    const twin = twinOf(device.record);
    if (evaluate(planned.residual, twin))
      yield {
        twin,
        stored: device,
        before: scanCursor(previous, planned.residual === null ? undefined : share),
      };
    previous = position;
    await slices.checkpoint();
  }
}
