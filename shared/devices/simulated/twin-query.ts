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
  mayMatchTags,
  planIndexChoices,
  planQuery,
  projectDocument,
  QueryAggregation,
  WorkSlices,
  type Expression,
  type IndexEntry,
  type Query,
} from '../../query';
import type { DeviceRecord, JsonObject, TwinWire } from '../device-model';
import { readAhead } from '../../support/read-ahead';
import type { IndexPage, IndexPageRequest, ScanPosition, StoredDevice } from '../ports';
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
  /** Which of the condition's index lookups the first page chose ({@link planIndexChoices}), when it had several. */
  lookup?: number;
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
  if (typeof value.lookup === 'number' && Number.isInteger(value.lookup) && value.lookup >= 0)
    cursor.lookup = value.lookup;
  if (typeof value.share === 'number' && value.share > 0 && value.share <= 1) cursor.share = value.share;
  return cursor;
}

/** Matches a scan page must see before the share it observed sizes the next page's reads. */
const OBSERVED_MATCHES = 10;
/** Point reads in flight ahead of the row being evaluated (Azurite answers about as fast from 16 on). */
const READS_AHEAD = 32;
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

/** The candidates the twin index gives for a condition, and its first page (the planner's evidence). */
interface IndexCandidates {
  /** Every candidate from where the query resumes on, reading the index a page at a time as they are taken. */
  ids: AsyncGenerator<string>;
  first: IndexPage;
  /** The lookup chosen among the condition's index lookups, when it had several. */
  lookup: number | undefined;
}

/** The device the last index row of a page was read for (where the next page starts). */
function lastRead(page: IndexPage): string | undefined {
  return page.lastRead ?? page.deviceIds[page.deviceIds.length - 1];
}

/** The index rows a page read: its candidates, and the rows whose tags copies refused theirs. */
function rowsRead(page: IndexPage): number {
  return page.covered ?? page.deviceIds.length;
}

/**
 * The sparsest of several lookups, by their first pages read from the same position: a page that says no more
 * follow holds every candidate of its lookup (the fewest wins, and beats any full page); of full pages, the one
 * whose rows reach furthest in the devices' key order covers the fewest devices per row. Device ids stand in for
 * their escaped keys here: an estimate.
 */
function sparsest(pages: readonly IndexPage[]): number {
  const reach = (page: IndexPage) => lastRead(page) ?? '';
  const better = (page: IndexPage, than: IndexPage) =>
    page.more !== than.more
      ? !page.more
      : page.more
        ? reach(page) > reach(than)
        : rowsRead(page) < rowsRead(than);
  let best = 0;
  pages.forEach((page, index) => {
    if (better(page, pages[best] as IndexPage)) best = index;
  });
  return best;
}

/**
 * The lookup `known` (a continuation's) with its first page, or the sparsest of `choices` by their first pages
 * (logged), or undefined when the index cannot answer.
 */
async function chooseLookup(
  registry: EmbeddedRegistry,
  choices: IndexEntry[][],
  known: number | undefined,
  firstPage: (entries: IndexEntry[]) => Promise<IndexPage | undefined>,
): Promise<{ index: number; first: IndexPage } | undefined> {
  if (known !== undefined) {
    const first = await firstPage(choices[known] as IndexEntry[]);
    return first && { index: known, first };
  }
  const firsts = await Promise.all(choices.map(firstPage));
  const pages = firsts.filter((page): page is IndexPage => page !== undefined);
  if (pages.length < firsts.length) return undefined;
  const index = sparsest(pages);
  const named = (entries: IndexEntry[]) =>
    entries.map(({ path, value }) => `${path} = ${JSON.stringify(value)}`).join(' OR ');
  const rows = (page: IndexPage) => `${rowsRead(page)}${page.more ? '+' : ''}`;
  registry.debug?.(
    `Twin query plan: lookup ${named(choices[index] as IndexEntry[])}, the sparsest of ${choices.length} AND ` +
      `operands by their first index pages (${pages.map(rows).join(', ')} rows).`,
  );
  return { index, first: pages[index] as IndexPage };
}

/**
 * The candidates the twin index gives for a condition, in the index's key order from `from` on, or undefined when
 * the index cannot narrow it. When the condition can use several lookups (an AND of operands with as many entries
 * each), the first page of each is read and the sparsest is taken; its continuation keeps that choice.
 */
async function indexedCandidates(
  registry: EmbeddedRegistry,
  condition: Expression | null,
  from: { indexFrom?: string | undefined; lookup?: number | undefined },
  /** Candidates read at a time: as many as the caller takes (further pages follow if the condition drops some). */
  pageSize: number,
): Promise<IndexCandidates | undefined> {
  const choices = planIndexChoices(condition);
  const indexed = registry.repository.indexedDeviceIds?.bind(registry.repository);
  if (choices === undefined || !indexed) return undefined;
  const limit = Math.min(SCAN_PAGE_ROWS, Math.max(1, pageSize));
  // Rows whose copy of the device's tags shows the condition false give no candidate (no point read).
  const admits = (tags: JsonObject) => mayMatchTags(condition, tags);
  const reader = (entries: IndexEntry[]) => (start: IndexPageRequest['from']) =>
    indexed(entries, start ? { from: start, limit, admits } : { limit, admits });
  const start = from.indexFrom === undefined ? undefined : { deviceId: from.indexFrom, inclusive: true };
  const kept = from.lookup !== undefined && from.lookup < choices.length ? from.lookup : undefined;
  const chosen = await chooseLookup(
    registry,
    choices,
    kept ?? (choices.length > 1 ? undefined : 0),
    (entries) => reader(entries)(start),
  );
  if (chosen === undefined) return undefined;
  const { first } = chosen;
  const read = reader(choices[chosen.index] as IndexEntry[]);
  const ids = (async function* ids() {
    for (let page: IndexPage | undefined = first; page !== undefined;) {
      const last = lastRead(page);
      const after: IndexPageRequest['from'] =
        page.more && last !== undefined ? { deviceId: last, inclusive: false } : undefined;
      // Fewer candidates than the caller takes: it will read on, so the next page is read while these are.
      const next: Promise<IndexPage | undefined> | undefined =
        after && page.deviceIds.length < limit ? read(after) : undefined;
      next?.catch(() => undefined);
      yield* page.deviceIds;
      if (!after) return;
      page = await (next ?? read(after));
    }
  })();
  return { ids, first, lookup: choices.length > 1 ? chosen.index : undefined };
}

/**
 * At or above this share of the fleet among a condition's index candidates, scanning is cheaper than the index: a
 * scan reads every device once in pages of 1,000 (one request a page), the index costs a point read (one request)
 * per candidate, matching or not. On Azurite at 100,000 devices a point read costs what 7–10 scanned rows cost in
 * wall time on a quiet machine, 20–25 in CPU (BENCHMARKS.md, "Selective twin query"); on Table Storage point reads
 * run in parallel while a scan's pages follow one another, so they are relatively cheaper still.
 */
export const SCAN_SHARE = 0.1;

/**
 * The access path of a query's first page when the index could serve it. An index page that says no more follow:
 * few candidates, the index. A full one: the share of the fleet its index rows cover is estimated from where the
 * page ends in the registry's key order (the devices sorting at or before its last row, counted in a sample of the
 * registry). The index path costs its rows (read in pages, as a scan reads devices) and a point read per candidate
 * its tags copy admits, each worth 1 ÷ {@link SCAN_SHARE} scanned rows: the scan wins when that is more than the
 * devices through the page.
 */
async function chooseAccess(registry: EmbeddedRegistry, first: IndexPage): Promise<'index' | 'scan'> {
  const { deviceIds } = first;
  const last = lastRead(first);
  const covered = rowsRead(first);
  const { repository } = registry;
  const admitted = covered === deviceIds.length ? '' : `, ${deviceIds.length} admitted by their tags copies`;
  if (!first.more || last === undefined || !repository.devicesThrough) {
    registry.debug?.(`Twin query plan: index (${covered} candidates${admitted}, no more follow).`);
    return 'index';
  }
  const enough = Math.ceil(deviceIds.length / SCAN_SHARE + (covered - deviceIds.length));
  const devices = await repository.devicesThrough(last, enough);
  const share = Math.min(1, covered / Math.max(1, devices));
  const path = devices <= enough ? 'scan' : 'index';
  // The count stops once it shows the index cheaper: the figures are then bounds.
  const [among, part] = devices >= enough ? ['at least', 'at most '] : ['about', ''];
  registry.debug?.(
    `Twin query plan: ${path} (${covered} candidates among ${among} ${devices} devices: ` +
      `${part}${(share * 100).toFixed(1)} %${admitted}; scan from ${SCAN_SHARE * 100} % point reads).`,
  );
  return path;
}

function scanCursor(after: ScanPosition | undefined, share: number | undefined): From {
  const cursor: From = after ? { after } : {};
  // Two decimals keep the token short.
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
  const { repository } = registry;
  const twinsOf = async function* (ids: AsyncIterable<string> | string[], before: (id: string) => From) {
    for await (const { item: id, value: stored } of readAhead(ids, (id) => repository.get(id), READS_AHEAD)) {
      if (stored) {
        const twin = twinOf(stored.record);
        if (evaluate(planned.residual, twin)) yield { twin, stored, before: before(id) };
      }
      await slices.checkpoint();
    }
  };
  if (planned.kind === 'keys') {
    const keys = [...new Set(planned.keys)].sort();
    const start = from.keyIndex ?? 0;
    const indexOf = new Map(keys.map((key, index) => [key, index]));
    yield* twinsOf(keys.slice(start), (id) => ({ keyIndex: indexOf.get(id) ?? start }));
    return;
  }
  // A scan's continuation goes on scanning: the path was chosen on the query's first page.
  const candidates =
    from.after === undefined
      ? await indexedCandidates(registry, planned.residual, from, pageSize)
      : undefined;
  const share = planned.residual === null ? 1 : from.share;
  if (candidates && planned.residual !== null) {
    // A query's first page: the index or a scan, by the share of the fleet the condition's candidates make.
    const path = from.indexFrom === undefined ? await chooseAccess(registry, candidates.first) : 'index';
    if (path === 'index') {
      const { lookup } = candidates;
      yield* twinsOf(candidates.ids, (id) =>
        lookup === undefined ? { indexFrom: id } : { indexFrom: id, lookup },
      );
      return;
    }
    // The estimate is the candidates' share, not the matches': the first page reads 1,000 rows at a time, later
    // ones by the share the scan observed.
    await candidates.ids.return(undefined);
  }
  // Storage pages of about the rows the caller takes: every row matches without a condition, a continued scan knows
  // the share its earlier pages matched; any other reads pages of 1,000 (Table Storage's most).
  const size =
    share === undefined ? SCAN_PAGE_ROWS : Math.min(SCAN_PAGE_ROWS, Math.max(1, Math.ceil(pageSize / share)));
  let previous = from.after;
  let scanned = 0;
  let matched = 0;
  const rows = repository.scan(previous ? { after: previous, pageSize: size } : { pageSize: size });
  for await (const { device, position } of rows) {
    const twin = twinOf(device.record);
    scanned += 1;
    if (evaluate(planned.residual, twin)) {
      matched += 1;
      // The share this page observed sizes the next page's reads, once enough rows matched to tell.
      const observed = matched >= OBSERVED_MATCHES ? matched / scanned : share;
      yield {
        twin,
        stored: device,
        before: scanCursor(previous, planned.residual === null ? undefined : observed),
      };
    }
    previous = position;
    await slices.checkpoint();
  }
}
