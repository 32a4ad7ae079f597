import { odata, TableClient, TableServiceClient, type TransactionAction } from '@azure/data-tables';
import { startAzurite, type RunningAzurite } from '../../../packages/func-local/storage/azurite';
import { runBulkOperation } from '../../../shared/devices/simulated/bulk-registry';
import { EmbeddedRegistry } from '../../../shared/devices/simulated/embedded-registry';
import { matchingTwins } from '../../../shared/devices/simulated/twin-query';
import { twinIndexEntries } from '../../../shared/devices/twin-index';
import { parseCondition } from '../../../shared/query';
import {
  DeviceRegistryRepository,
  indexKeys,
  registryKeys,
} from '../../../shared/storage/device-registry.repository';
import { registryIndexTables } from '../../../shared/storage/registry-index-tables';
import { takeTableLease } from '../../../shared/storage/table-lease';
import { ensureTable, lazyTable, submitInBatches } from '../../../shared/storage/table-support';

/**
 * A store written with the old twin-index layout (one table for every path) keeps answering while it moves to a
 * table per path: readers scan until the migration is done; the migration is resumable, one host at a time, and
 * drops the old table at its end (docs/devices.md, "Index layout").
 */

jest.setTimeout(30_000);

let azurite: RunningAzurite;
let store = 0;

beforeAll(async () => {
  azurite = await startAzurite({ inMemory: true });
}, 60_000);

afterAll(async () => {
  await azurite.stop();
});

const FLEET = 40;

/**
 * A store as the old layout left it: devices in the registry table and their entries in one index table, no
 * per-path tables, no layout state.
 */
async function oldLayoutStore(): Promise<{ name: string; legacy: string }> {
  const name = `Migrate${++store}`;
  const legacy = `${name}Index`;
  const old = new EmbeddedRegistry({
    repository: new DeviceRegistryRepository(lazyTable(azurite.connectionString, name)),
    defaultSimulation: {},
    simulationSeed: 'm',
  });
  const fleet = Array.from({ length: FLEET }, (_, i) => ({
    id: `mig-${String(i).padStart(2, '0')}`,
    importMode: 'create',
    tags: { building: String(i % 4), floor: i % 5 },
  }));
  expect((await runBulkOperation(old, fleet)).isSuccessful).toBe(true);
  await ensureTable(azurite.connectionString, legacy);
  const legacyTable = TableClient.fromConnectionString(azurite.connectionString, legacy, {
    allowInsecureConnection: true,
  });
  await submitInBatches(
    legacyTable,
    fleet.flatMap((device) =>
      [...twinIndexEntries(device).values()].map((entry): TransactionAction => [
        'create',
        {
          partitionKey: indexKeys.partitionKey(entry),
          rowKey: registryKeys.rowKey(device.id),
          deviceId: device.id,
        },
      ]),
    ),
  );
  return { name, legacy };
}

function upgraded({ name, legacy }: { name: string; legacy: string }) {
  const tables = registryIndexTables(azurite.connectionString, { prefix: `${name}Ix`, legacy });
  const repository = new DeviceRegistryRepository(lazyTable(azurite.connectionString, name), tables);
  const registry = new EmbeddedRegistry({ repository, defaultSimulation: {}, simulationSeed: 'm' });
  return { tables, repository, registry };
}

async function ids(registry: EmbeddedRegistry, condition: string): Promise<string[]> {
  const found: string[] = [];
  for await (const { twin } of matchingTwins(registry, parseCondition(condition))) found.push(twin.deviceId);
  return found.sort();
}

async function tableNames(): Promise<string[]> {
  const names: string[] = [];
  const service = TableServiceClient.fromConnectionString(azurite.connectionString, {
    allowInsecureConnection: true,
  });
  for await (const table of service.listTables()) if (table.name) names.push(table.name);
  return names;
}

const expectedBuilding2 = Array.from({ length: FLEET }, (_, i) => i)
  .filter((i) => i % 4 === 2)
  .map((i) => `mig-${String(i).padStart(2, '0')}`);

describe('moving an old-layout twin index to a table per path', () => {
  it('answers by scanning while it migrates, then through the per-path tables, and drops the old table', async () => {
    const old = await oldLayoutStore();
    const { repository, registry } = upgraded(old);
    const migration = repository.indexMigration;
    if (!migration) throw new Error('the repository keeps no index');

    // The first reader finds the store unmigrated: no index answers, the query scans, and a migration starts.
    expect(await repository.indexedDeviceIds([{ path: 'tags.building', value: '2' }], { limit: 100 })).toBe(
      undefined,
    );
    expect(migration.inProgress).toBeDefined();
    expect(await ids(registry, "tags.building = '2'")).toEqual(expectedBuilding2);
    // A write during the migration lands in the per-path tables.
    await registry.updateTwin('mig-01', { tags: { building: '2' } }, 'patch', undefined);
    await migration.inProgress;

    const candidates = await repository.indexedDeviceIds([{ path: 'tags.building', value: '2' }], {
      limit: 100,
    });
    expect(candidates?.more).toBe(false);
    expect(candidates?.deviceIds.sort()).toEqual(['mig-01', ...expectedBuilding2].sort());
    expect(await ids(registry, "tags.building = '2' AND tags.floor = 1")).toEqual([
      'mig-01',
      'mig-06',
      'mig-26',
    ]);
    expect(await tableNames()).not.toContain(old.legacy);
  });

  it('resumes from the saved cursor after a host died mid-way, once its lease expired', async () => {
    const old = await oldLayoutStore();
    const { tables, repository, registry } = upgraded(old);
    const stateTable = await tables.state();
    // A host that indexed the devices up to the 20th in key order, then died holding a lease that has expired.
    const order: { deviceId: string; partitionKey: string; rowKey: string }[] = [];
    for await (const { device, position } of repository.scan())
      order.push({ deviceId: device.record.deviceId, ...position });
    const cursor = order[19];
    if (!cursor) throw new Error('the fleet is smaller than expected');
    await stateTable.createEntity({
      partitionKey: 'layout',
      rowKey: 'perPath',
      state: 'migrating',
      afterPartitionKey: cursor.partitionKey,
      afterRowKey: cursor.rowKey,
      migrated: 20,
    });
    expect(
      await takeTableLease(stateTable, 'layout', 'perPath-lease', 'dead-host', new Date(Date.now() - 1_000)),
    ).toBe(true);

    expect(await repository.indexMigration?.ready()).toBe(false);
    await repository.indexMigration?.inProgress;
    expect(await repository.indexMigration?.ready()).toBe(true);
    const state = await stateTable.getEntity<{ state: string; migrated: number }>('layout', 'perPath');
    expect({ state: state.state, migrated: state.migrated }).toEqual({ state: 'done', migrated: FLEET });
    // The devices after the cursor were indexed by this host; those before it were the dead host's share.
    const building = await tables.open(tables.nameOf('tags.building'));
    const indexed = new Set<string>();
    for await (const row of building.listEntities<{ deviceId: string }>({
      queryOptions: { filter: odata`PartitionKey ne ''` },
    }))
      indexed.add(row.deviceId);
    expect([...indexed].sort()).toEqual(
      order
        .slice(20)
        .map((row) => row.deviceId)
        .sort(),
    );
    expect(await ids(registry, 'tags.floor = 3')).toEqual(
      order
        .slice(20)
        .filter((row) => Number(row.deviceId.slice(4)) % 5 === 3)
        .map((row) => row.deviceId)
        .sort(),
    );
  });

  it('leaves the migration to the host holding the lease', async () => {
    const old = await oldLayoutStore();
    const { tables, repository, registry } = upgraded(old);
    const stateTable = await tables.state();
    expect(
      await takeTableLease(
        stateTable,
        'layout',
        'perPath-lease',
        'other-host',
        new Date(Date.now() + 60_000),
      ),
    ).toBe(true);
    expect(await repository.indexMigration?.ready()).toBe(false);
    await repository.indexMigration?.inProgress;
    expect(await repository.indexMigration?.ready()).toBe(false);
    // Still correct meanwhile: the query scans.
    expect(await ids(registry, "tags.building = '2'")).toEqual(expectedBuilding2);
    expect(await tableNames()).toContain(old.legacy);
  });

  it("answers a fresh host's concurrent first readers through the index once the store is migrated", async () => {
    const name = `Concurrent${++store}`;
    const writer = upgraded({ name, legacy: `${name}Index` });
    const fleet = [{ id: 'both-1', importMode: 'create', tags: { a: 'b', c: 'd' } }];
    expect((await runBulkOperation(writer.registry, fleet)).isSuccessful).toBe(true);
    // Another host's repository: its first readers arrive together, before its first check of the layout state.
    const { repository } = upgraded({ name, legacy: `${name}Index` });
    const pages = await Promise.all(
      [
        { path: 'tags.a', value: 'b' },
        { path: 'tags.c', value: 'd' },
      ].map((entry) => repository.indexedDeviceIds([entry], { limit: 10 })),
    );
    expect(pages).toEqual([
      expect.objectContaining({ deviceIds: ['both-1'] }),
      expect.objectContaining({ deviceIds: ['both-1'] }),
    ]);
  });

  it('starts a store without devices on the per-path tables, with no migration', async () => {
    const name = `Fresh${++store}`;
    const { repository, registry } = upgraded({ name, legacy: `${name}Index` });
    expect(
      (await runBulkOperation(registry, [{ id: 'fresh-1', importMode: 'create', tags: { a: 'b' } }]))
        .isSuccessful,
    ).toBe(true);
    expect(await repository.indexMigration?.ready()).toBe(true);
    expect(repository.indexMigration?.inProgress).toBeUndefined();
    expect(await repository.indexedDeviceIds([{ path: 'tags.a', value: 'b' }], { limit: 10 })).toMatchObject({
      deviceIds: ['fresh-1'],
      more: false,
    });
  });
});
