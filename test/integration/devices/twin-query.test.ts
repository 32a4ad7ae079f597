import { startAzurite, type RunningAzurite } from '../../../packages/func-local/storage/azurite';
import type { TwinWire } from '../../../shared/devices/device-model';
import { dispatchQuery, type QueryPage } from '../../../shared/devices/query-sources';
import { runBulkOperation } from '../../../shared/devices/simulated/bulk-registry';
import { demoFleet } from '../../../shared/devices/simulated/demo-fleet';
import { seedDemoFleetIfEmpty } from '../../../shared/devices/simulated/demo-fleet-seeder';
import { EmbeddedRegistry } from '../../../shared/devices/simulated/embedded-registry';
import { queryTwins } from '../../../shared/devices/simulated/twin-query';
import { parseQuery } from '../../../shared/query';
import { DeviceRegistryRepository } from '../../../shared/storage/device-registry.repository';
import { registryIndexTables } from '../../../shared/storage/registry-index-tables';
import { lazyTable } from '../../../shared/storage/table-support';

let azurite: RunningAzurite;
let repository: DeviceRegistryRepository;
let registry: EmbeddedRegistry;

beforeAll(async () => {
  azurite = await startAzurite({ inMemory: true });
  repository = new DeviceRegistryRepository(
    lazyTable(azurite.connectionString, 'QueryTest'),
    registryIndexTables(azurite.connectionString, { prefix: 'QueryTestIx', legacy: 'QueryTestIndex' }),
  );
  registry = new EmbeddedRegistry({ repository, defaultSimulation: {}, simulationSeed: 'q' });
  await runBulkOperation(registry, demoFleet({ devices: 800, offlineRate: 0.1 }));
}, 60_000);

afterAll(async () => {
  await azurite.stop();
});

const run = (text: string, maxItems = 100, continuationToken?: string): Promise<QueryPage> =>
  queryTwins(registry, parseQuery(text), { maxItems, continuationToken });

async function all(text: string, pageSize: number): Promise<{ items: unknown[]; pages: number }> {
  const items: unknown[] = [];
  let continuation: string | undefined;
  let pages = 0;
  do {
    const page = await run(text, pageSize, continuation);
    pages++;
    items.push(...page.items);
    continuation = page.continuationToken;
  } while (continuation !== undefined);
  return { items, pages };
}

describe('twin queries over the embedded registry', () => {
  it('selects by tags across pages, with a continuation only while more rows exist', async () => {
    const { items, pages } = await all("SELECT * FROM devices WHERE tags.building = '43'", 5);
    expect(items).toHaveLength(16);
    expect(pages).toBe(4);
    const ids = (items as TwinWire[]).map((twin) => twin.deviceId);
    expect(new Set(ids).size).toBe(16);
    expect((items as TwinWire[]).every((twin) => twin.tags.building === '43')).toBe(true);
    const exact = await run("SELECT * FROM devices WHERE tags.building = '43'", 16);
    expect(exact.items).toHaveLength(16);
    expect(exact.continuationToken).toBeUndefined();
  });

  it('combines conditions, numbers and functions', async () => {
    const { items } = await all(
      "SELECT * FROM devices WHERE tags.building = '43' AND tags.floor = 3 AND STARTSWITH(deviceId, 'device-')",
      100,
    );
    expect((items as TwinWire[]).map((twin) => twin.deviceId).sort()).toEqual([
      'device-00192',
      'device-00592',
    ]);
    const offline = await all("SELECT * FROM devices WHERE connectionState = 'Disconnected'", 1000);
    expect(offline.items).toHaveLength(80);
  });

  it('turns deviceId lookups into point reads instead of a scan', async () => {
    const scan = jest.spyOn(repository, 'scan');
    const page = await run(
      "SELECT * FROM devices WHERE deviceId IN ['device-00007', 'device-00003', 'nope'] AND tags.region = 'us-west'",
    );
    expect((page.items as TwinWire[]).map((twin) => twin.deviceId)).toEqual(['device-00003']);
    const single = await run("SELECT * FROM devices WHERE deviceId = 'device-00010'");
    expect(single.items).toHaveLength(1);
    expect(scan).not.toHaveBeenCalled();
    scan.mockRestore();
  });

  it('pages through long id lists', async () => {
    const ids = Array.from({ length: 250 }, (_, i) => `'device-${String(i * 3).padStart(5, '0')}'`);
    const { items, pages } = await all(`SELECT * FROM devices WHERE deviceId IN [${ids.join(',')}]`, 100);
    expect(items).toHaveLength(250);
    expect(pages).toBe(3);
  });

  it('projects, limits with TOP across pages, and aggregates', async () => {
    const projected = await run(
      "SELECT deviceId, tags.floor AS floor FROM devices WHERE deviceId = 'device-00100'",
    );
    expect(projected.items).toEqual([{ deviceId: 'device-00100', floor: 2 }]);
    const top = await all('SELECT TOP 7 * FROM devices', 3);
    expect(top.items).toHaveLength(7);
    expect(top.pages).toBe(3);
    const counted = await run("SELECT COUNT() AS total FROM devices WHERE tags.region = 'eu-west'");
    expect(counted.items).toEqual([{ total: 160 }]);
    const grouped = await run(
      'SELECT tags.firmware AS firmware, COUNT() AS n FROM devices GROUP BY tags.firmware',
    );
    expect((grouped.items as { n: number }[]).reduce((sum, row) => sum + row.n, 0)).toBe(800);
  });

  it('dispatches by FROM source and refuses unknown sources and bad tokens', async () => {
    const handlers = {
      devices: (q: Parameters<typeof queryTwins>[1], p: Parameters<typeof queryTwins>[2]) =>
        queryTwins(registry, q, p),
    };
    await expect(
      dispatchQuery(handlers, parseQuery('SELECT * FROM devices.jobs'), { maxItems: 1 }),
    ).rejects.toMatchObject({
      code: 'ArgumentInvalid',
    });
    await expect(run('SELECT * FROM devices', 10, 'garbage')).rejects.toMatchObject({
      code: 'ArgumentInvalid',
    });
    const wellFormedButNotIssued = Buffer.from(JSON.stringify({ returned: 0 })).toString('base64url');
    await expect(run('SELECT * FROM devices', 10, wellFormedButNotIssued)).rejects.toMatchObject({
      code: 'ArgumentInvalid',
    });
    expect(() => parseQuery('SELECT * FROM devices WHERE')).toThrow(/position/);
  });

  it('leaves a registry that holds devices alone when seeding the demo fleet', async () => {
    expect(await seedDemoFleetIfEmpty(registry, 50)).toBe(0);
    expect((await run('SELECT COUNT() AS n FROM devices')).items).toEqual([{ n: 800 }]);
  });
});
