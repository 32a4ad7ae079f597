import { TableClient } from '@azure/data-tables';
import { startAzurite, type RunningAzurite } from '../../../packages/func-local/storage/azurite';
import type { TwinWire } from '../../../shared/devices/device-model';
import { runBulkOperation } from '../../../shared/devices/simulated/bulk-registry';
import { EmbeddedRegistry } from '../../../shared/devices/simulated/embedded-registry';
import { queryTwins, SCAN_SHARE } from '../../../shared/devices/simulated/twin-query';
import { parseQuery } from '../../../shared/query';
import { DeviceRegistryRepository } from '../../../shared/storage/device-registry.repository';
import { registryIndexTables } from '../../../shared/storage/registry-index-tables';
import { ensureTable } from '../../../shared/storage/table-support';

/**
 * The twin query planner (issue 22): a condition most of the fleet matches scans, a selective one uses the twin
 * index, and either way a query costs about what its rows cost — storage requests per returned row do not grow
 * with the fleet.
 */

jest.setTimeout(60_000);

interface Fleet {
  registry: EmbeddedRegistry;
  plans: string[];
  requests: { pointReads: number; queries: number; tablesQueried: Map<string, number> };
  size: number;
}

let azurite: RunningAzurite;
const fleets: Fleet[] = [];

/** A table client that counts the requests it sends: point reads, and everything else (queries here). */
function countingClient(table: string, requests: Fleet['requests']): TableClient {
  return TableClient.fromConnectionString(azurite.connectionString, table, {
    allowInsecureConnection: true,
    additionalPolicies: [
      {
        position: 'perCall',
        policy: {
          name: 'countRequests',
          sendRequest(request, next) {
            if (/\(PartitionKey='[^']*',RowKey='[^']*'\)/.test(decodeURIComponent(request.url)))
              requests.pointReads += 1;
            else if (request.method === 'GET') {
              requests.queries += 1;
              requests.tablesQueried.set(table, (requests.tablesQueried.get(table) ?? 0) + 1);
            }
            return next(request);
          },
        },
      },
    ],
  });
}

/** Devices: every one holds `tags.all`; one in 20 `tags.group = 'g'`; one in 100 `tags.rare = 'r'` (few index rows). */
async function fleetOf(size: number, name: string): Promise<Fleet> {
  const requests = { pointReads: 0, queries: 0, tablesQueried: new Map<string, number>() };
  const plans: string[] = [];
  await ensureTable(azurite.connectionString, name);
  const table = countingClient(name, requests);
  const indexTables = new Map<string, Promise<TableClient>>();
  const openIndexTable = (tableName: string): Promise<TableClient> => {
    let client = indexTables.get(tableName);
    if (!client) {
      client = ensureTable(azurite.connectionString, tableName).then(() =>
        countingClient(tableName, requests),
      );
      indexTables.set(tableName, client);
    }
    return client;
  };
  const repository = new DeviceRegistryRepository(
    () => Promise.resolve(table),
    registryIndexTables(
      azurite.connectionString,
      { prefix: `${name}Ix`, legacy: `${name}Index` },
      openIndexTable,
    ),
  );
  const registry = new EmbeddedRegistry({
    repository,
    defaultSimulation: {},
    simulationSeed: 'plan',
    debug: (message) => plans.push(message),
  });
  const devices = Array.from({ length: size }, (_, i) => ({
    id: `p-${i}`,
    importMode: 'create',
    tags: { all: 'yes', ...(i % 20 === 0 ? { group: 'g' } : {}), ...(i % 100 === 0 ? { rare: 'r' } : {}) },
  }));
  for (let start = 0; start < size; start += 5_000) {
    expect((await runBulkOperation(registry, devices.slice(start, start + 5_000))).isSuccessful).toBe(true);
  }
  requests.pointReads = 0;
  requests.queries = 0;
  requests.tablesQueried.clear();
  return { registry, plans, requests, size };
}

beforeAll(async () => {
  azurite = await startAzurite({ inMemory: true });
  fleets.push(await fleetOf(1_100, 'PlanSmall'), await fleetOf(2_200, 'PlanLarge'));
}, 120_000);

afterAll(async () => {
  await azurite.stop();
});

/** Every row of a query, page by page; with the requests it cost and the plans it logged. */
async function readAll(fleet: Fleet, condition: string, pageSize = 1_000) {
  fleet.requests.pointReads = 0;
  fleet.requests.queries = 0;
  fleet.requests.tablesQueried.clear();
  fleet.plans.length = 0;
  const rows: TwinWire[] = [];
  let continuationToken: string | undefined;
  do {
    const page = await queryTwins(fleet.registry, parseQuery(`SELECT * FROM devices WHERE ${condition}`), {
      maxItems: pageSize,
      ...(continuationToken ? { continuationToken } : {}),
    });
    rows.push(...(page.items as TwinWire[]));
    continuationToken = page.continuationToken;
  } while (continuationToken !== undefined);
  const requests = fleet.requests.pointReads + fleet.requests.queries;
  return { rows, plans: [...fleet.plans], requests, perRow: requests / Math.max(1, rows.length) };
}

describe('the twin query planner', () => {
  it('scans a condition most of the fleet matches, and says so in the debug log', async () => {
    const [small] = fleets as [Fleet];
    const result = await readAll(small, "tags.all = 'yes'", 100);
    expect(result.rows).toHaveLength(small.size);
    expect(new Set(result.rows.map((twin) => twin.deviceId)).size).toBe(small.size);
    expect(result.plans).toEqual([
      expect.stringMatching(/^Twin query plan: scan \(101 candidates among about \d+ devices: \d+\.\d %/),
    ]);
    // A scan reads pages: no device is read one by one.
    expect(small.requests.pointReads).toBe(0);
  });

  it("sizes a planned scan's later pages by the share it observes, not the candidates' share", async () => {
    const [small] = fleets as [Fleet];
    // Every device is a candidate (the index operand is `tags.all`: a range is not indexed), one in 20 matches.
    const result = await readAll(small, "tags.all = 'yes' AND tags.group >= 'g'", 10);
    expect(result.rows).toHaveLength(small.size / 20);
    expect(result.plans).toEqual([
      expect.stringMatching(/^Twin query plan: scan \(11 candidates among about/),
    ]);
    // Pages of 1,000 rows first, then of about 10 ÷ 5 %: a few requests per page of 10 rows, not one per 11 rows read.
    expect(result.perRow).toBeLessThan(0.5);
  });

  it('takes the sparsest of tied AND operands by their first index pages, in either order', async () => {
    const [small] = fleets as [Fleet];
    for (const condition of [
      "tags.all = 'yes' AND tags.rare = 'r'",
      "tags.rare = 'r' AND tags.all = 'yes'",
    ]) {
      // `rare`'s first page says no more follow: it beats any full page.
      const whole = await readAll(small, condition);
      expect(whole.rows.map((twin) => twin.deviceId).sort()).toEqual(
        Array.from({ length: small.size / 100 }, (_, i) => `p-${i * 100}`).sort(),
      );
      expect(whole.plans).toEqual([
        expect.stringMatching(/^Twin query plan: lookup tags\.rare = "r", the sparsest of 2 AND operands/),
        'Twin query plan: index (11 candidates, no more follow).',
      ]);
      expect(small.requests.pointReads).toBe(small.size / 100);

      // Pages of 3 (4 candidates read, one to tell a continuation is due): both first pages are full; `rare`'s
      // reaches further in key order. Its continuations keep it.
      const paged = await readAll(small, condition, 3);
      expect(paged.rows).toHaveLength(small.size / 100);
      expect(paged.plans[0]).toMatch(/^Twin query plan: lookup tags\.rare = "r", .*\(4\+, 4\+ rows\)\.$/);
      expect(paged.plans.filter((plan) => plan.includes('lookup'))).toHaveLength(1);
    }
  });

  it('uses the index for a selective condition, by its last page or by the estimated share', async () => {
    const [small] = fleets as [Fleet];
    const rare = await readAll(small, "tags.rare = 'r'");
    expect(rare.rows).toHaveLength(small.size / 100);
    expect(rare.plans).toEqual(['Twin query plan: index (11 candidates, no more follow).']);
    expect(small.requests.pointReads).toBe(small.size / 100);
    // One index page that said it was the last, then the candidates' point reads: no registry query.
    expect(small.requests.queries).toBe(1);

    // Pages of 10: the index's first page is full, so the estimated share decides (one device in 20 is a candidate).
    const group = await readAll(small, "tags.group = 'g'", 10);
    expect(group.rows).toHaveLength(small.size / 20);
    expect(group.rows.every((twin) => twin.tags.group === 'g')).toBe(true);
    expect(group.plans).toEqual([
      expect.stringMatching(
        /^Twin query plan: index \(11 candidates among at least \d+ devices: at most \d+\.\d %/,
      ),
    ]);
    // The count stopped as soon as it showed the share below the threshold.
    expect(Number(/at most ([\d.]+) %/.exec(group.plans[0] ?? '')?.[1])).toBeLessThan(SCAN_SHARE * 100);
  });

  it('estimates the devices through a key from one registry partition, without reading the fleet', async () => {
    const [, large] = fleets as [Fleet, Fleet];
    const { repository } = large.registry;
    const keys = Array.from({ length: large.size }, (_, i) => `p-${i}`).sort();
    for (const at of [0.1, 0.5, 0.9]) {
      const deviceId = keys[Math.floor(at * keys.length)] as string;
      const exact = keys.filter((key) => key <= deviceId).length;
      large.requests.queries = 0;
      const estimate = await repository.devicesThrough?.(deviceId, large.size);
      expect(estimate).toBeGreaterThan(exact * 0.6);
      expect(estimate).toBeLessThan(exact * 1.4);
      expect(large.requests.queries).toBe(1);
    }
    // Told when to stop: about `enough` devices counted (one partition's share of them), not the whole range.
    const capped = await repository.devicesThrough?.(keys[keys.length - 1] as string, 320);
    expect(capped).toBe(320);
  });

  it('costs the same storage requests per returned row at twice the fleet', async () => {
    const started = Date.now();
    const [small, large] = fleets as [Fleet, Fleet];
    for (const condition of [
      "tags.all = 'yes'",
      "tags.rare = 'r'",
      "tags.group = 'g' AND tags.all = 'yes'",
    ]) {
      const [few, many] = [await readAll(small, condition), await readAll(large, condition)];
      expect(many.rows.length).toBe(few.rows.length * 2);
      // Requests per returned row stay flat (a little slack for a partly filled last page).
      expect(many.perRow).toBeLessThanOrEqual(few.perRow * 1.1 + 0.002);
    }
    // Every device selected: pages of 1,000 rows, about one request per 1,000 rows (plus the planner's index page).
    const everything = await readAll(large, "tags.all = 'yes'");
    expect(everything.perRow).toBeLessThan(0.005);
    process.stdout.write(`cost per row checked in ${Date.now() - started} ms\n`);
  });

  it('reads index tables holding only the entries of the queried path', async () => {
    // On Azurite a query passes over every entity of its table: an index page must not pass over other paths'
    // entries (one table for every path held 1.06 entries per device here, 5 in the demo fleet).
    const [, large] = fleets as [Fleet, Fleet];
    const rare = await readAll(large, "tags.rare = 'r'");
    expect(rare.rows).toHaveLength(large.size / 100);
    const indexTables = [...large.requests.tablesQueried.keys()].filter((table) => table !== 'PlanLarge');
    expect(indexTables).toHaveLength(1);
    let entitiesExamined = 0;
    for (const [table, queries] of large.requests.tablesQueried) {
      let held = 0;
      for await (const _ of TableClient.fromConnectionString(azurite.connectionString, table, {
        allowInsecureConnection: true,
      }).listEntities({ queryOptions: { select: ['RowKey'] } }))
        held += 1;
      entitiesExamined += queries * held;
    }
    // About one pass over the path's entries per page read, and no registry pass: entities per returned row ≤ 2.
    expect(entitiesExamined / rare.rows.length).toBeLessThanOrEqual(2);
  });
});
