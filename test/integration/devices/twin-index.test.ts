import { startAzurite, type RunningAzurite } from '../../../packages/func-local/storage/azurite';
import type { JsonObject, TwinWire } from '../../../shared/devices/device-model';
import { runBulkOperation } from '../../../shared/devices/simulated/bulk-registry';
import { EmbeddedRegistry } from '../../../shared/devices/simulated/embedded-registry';
import { SimulatedDeviceGateway } from '../../../shared/devices/simulated/simulated-gateway';
import { matchingTwins, queryTwins } from '../../../shared/devices/simulated/twin-query';
import { indexEntryKey, tagsExtend, twinIndexEntries } from '../../../shared/devices/twin-index';
import { dryRunWarnings } from '../../../shared/jobs/service/dry-run-warnings';
import { parseCondition, parseQuery, planIndexLookups } from '../../../shared/query';
import {
  DeviceRegistryRepository,
  indexKeys,
  registryKeys,
} from '../../../shared/storage/device-registry.repository';
import {
  registryIndexTables,
  tableOpener,
  type RegistryIndexTables,
} from '../../../shared/storage/registry-index-tables';
import { lazyTable } from '../../../shared/storage/table-support';
import { odata, TableServiceClient, type TableClient, type TransactionAction } from '@azure/data-tables';

/** The twin index stays exact through every write path: what a device holds is what the index says it holds. */

let azurite: RunningAzurite;
let indexTables: RegistryIndexTables;
let registry: EmbeddedRegistry;

beforeAll(async () => {
  azurite = await startAzurite({ inMemory: true });
  indexTables = registryIndexTables(azurite.connectionString, {
    prefix: 'IndexTestIx',
    legacy: 'IndexTestIndex',
  });
  const repository = new DeviceRegistryRepository(
    lazyTable(azurite.connectionString, 'IndexTest'),
    indexTables,
  );
  registry = new EmbeddedRegistry({ repository, defaultSimulation: { latencyMs: 0 }, simulationSeed: 'i' });
  const fleet = Array.from({ length: 60 }, (_, i) => ({
    id: `ix-${String(i).padStart(2, '0')}`,
    importMode: 'create',
    tags: { building: String(i % 6), floor: i % 3, site: { name: i < 30 ? 'north' : 'south' } },
  }));
  const result = await runBulkOperation(registry, fleet);
  expect(result.isSuccessful).toBe(true);
}, 60_000);

afterAll(async () => {
  await azurite.stop();
});

/** The index tables and partitions that hold a row for the device, in every per-path table there is. */
async function indexedPartitions(deviceId: string): Promise<string[]> {
  const partitions: string[] = [];
  for await (const { name } of TableServiceClient.fromConnectionString(azurite.connectionString, {
    allowInsecureConnection: true,
  }).listTables()) {
    if (!name?.startsWith('IndexTestIx') || name.endsWith('State')) continue;
    const rows = (await indexTables.open(name)).listEntities({
      queryOptions: { filter: odata`RowKey eq ${registryKeys.rowKey(deviceId)}` },
    });
    for await (const row of rows) partitions.push(`${name}/${row.partitionKey ?? ''}`);
  }
  return partitions.sort();
}

async function expectExact(deviceId: string): Promise<void> {
  const stored = await registry.repository.get(deviceId);
  const expected = stored
    ? [...twinIndexEntries(stored.record).values()]
        .map((entry) => `${indexTables.nameOf(entry.path)}/${indexKeys.partitionKey(entry)}`)
        .sort()
    : [];
  expect(await indexedPartitions(deviceId)).toEqual(expected);
}

async function ids(condition: string): Promise<string[]> {
  const found: string[] = [];
  for await (const { twin } of matchingTwins(registry, parseCondition(condition))) found.push(twin.deviceId);
  return found.sort();
}

/** The same condition, but ORed with a branch the index cannot serve, so it runs as a full scan. */
async function scannedIds(condition: string): Promise<string[]> {
  return ids(`(${condition}) OR STARTSWITH(deviceId, 'no-such-device')`);
}

describe('the twin index', () => {
  it('is written by bulk imports and answers equality and IN exactly as a scan does', async () => {
    await expectExact('ix-07');
    for (const condition of [
      "tags.building = '3'",
      "tags.Building = '3' AND tags.floor = 0",
      "tags.building IN ['1', '2'] OR tags.site.name = 'south'",
      'tags.floor = 1',
      "tags.floor = '1'",
      "tags.building = '3' AND tags.floor > 0",
    ]) {
      expect(planIndexLookups(parseCondition(condition))).toBeDefined();
      const indexed = await ids(condition);
      expect({ condition, indexed }).toEqual({ condition, indexed: await scannedIds(condition) });
    }
    expect(await ids("tags.building = '3'")).toHaveLength(10);
  });

  it('follows twin patches and replacements, dropping values a device no longer holds', async () => {
    await registry.updateTwin('ix-03', { tags: { building: '99', extra: true } }, 'patch', undefined);
    await expectExact('ix-03');
    expect(await ids("tags.building = '99'")).toEqual(['ix-03']);
    expect(await ids("tags.building = '3'")).not.toContain('ix-03');
    expect(await ids('tags.extra = true')).toEqual(['ix-03']);

    await registry.updateTwin('ix-03', { tags: { site: null } }, 'patch', undefined);
    await expectExact('ix-03');
    expect(await ids("tags.site.name = 'north'")).not.toContain('ix-03');

    await registry.updateTwin(
      'ix-04',
      { tags: { only: 'this' }, desired: { mode: 'eco' } },
      'replace',
      undefined,
    );
    await expectExact('ix-04');
    expect(await ids("tags.building = '4'")).not.toContain('ix-04');
    expect(await ids("tags.only = 'this'")).toEqual(['ix-04']);
    expect(await ids("properties.desired.mode = 'eco'")).toEqual(['ix-04']);
  });

  it('follows twin jobs (the gateway path) and deletes', async () => {
    const gateway = new SimulatedDeviceGateway(registry);
    await gateway.applyTwinPatch('ix-05', {
      tags: { building: '77' },
      properties: { desired: { fw: '2.0' } },
    });
    await expectExact('ix-05');
    const targets = await gateway.resolveTargetsPage("tags.building = '77'", { maxItems: 100 });
    expect(targets.deviceIds).toEqual(['ix-05']);

    await registry.deleteDevice('ix-05', { kind: 'any' });
    await expectExact('ix-05');
    expect(await ids("tags.building = '77'")).toEqual([]);
  });

  it('keeps one entry per distinct path and value, typed', () => {
    const entries = twinIndexEntries({ tags: { a: 1, b: '1', C: { d: true }, list: [1, 2] } });
    expect([...entries.keys()]).toEqual(
      [
        { path: 'tags.a', value: 1 },
        { path: 'tags.b', value: '1' },
        { path: 'tags.c.d', value: true },
      ].map(indexEntryKey),
    );
    expect(planIndexLookups(parseCondition("properties.desired.x = 'y'"))).toBeUndefined();
  });
});

describe('the types held at a tag path, for dry-run hints', () => {
  it('reads the types of values under a path from the index, and hints at a constant of another type', async () => {
    const gateway = new SimulatedDeviceGateway(registry);
    expect(await gateway.tagValueTypes('tags.building')).toEqual(['string']);
    expect(await gateway.tagValueTypes('tags.floor')).toEqual(['number']);
    expect(await gateway.tagValueTypes('tags.site.name')).toEqual(['string']);
    // `tags.site` holds an object: no scalar entry is under that exact path.
    expect(await gateway.tagValueTypes('tags.site')).toEqual([]);
    expect(await gateway.tagValueTypes('tags.nothing')).toEqual([]);
    // A path that is a prefix of another (`tags.b` of `tags.building`) holds nothing of its own.
    expect(await gateway.tagValueTypes('tags.b')).toEqual([]);

    await registry.updateTwin('ix-10', { tags: { mixed: 5 } }, 'patch', undefined);
    await registry.updateTwin('ix-11', { tags: { mixed: 'five' } }, 'patch', undefined);
    expect(await gateway.tagValueTypes('tags.mixed')).toEqual(['string', 'number']);

    expect(await dryRunWarnings(gateway, 'tags.Building = 3 AND tags.floor = 1', 10)).toEqual([
      { code: 'TagTypeMismatch', message: "tags.Building holds strings, not numbers: try '3'." },
    ]);
    expect(await dryRunWarnings(gateway, "tags.floor = '1'", 0)).toEqual([
      { code: 'NoDeviceMatches', message: 'No device matches: the job would run on no device.' },
      { code: 'TagTypeMismatch', message: 'tags.floor holds numbers, not strings: try 1.' },
    ]);
    expect(await dryRunWarnings(gateway, 'tags.mixed = 5', 1)).toEqual([]);
  });
});

describe('queries answered through the index', () => {
  it('page the same rows as before', async () => {
    const twins: TwinWire[] = [];
    for await (const { twin } of matchingTwins(registry, parseCondition('tags.floor = 2'))) twins.push(twin);
    expect(twins.every((twin) => twin.tags.floor === 2)).toBe(true);
    expect(twins.map((twin) => twin.deviceId)).toEqual(await scannedIds('tags.floor = 2'));
  });

  it('resume where a page ended, reading the index a page at a time however far in', async () => {
    const wave = Array.from({ length: 1_300 }, (_, i) => ({
      id: `wave-${String(i).padStart(4, '0')}`,
      importMode: 'create',
      tags: { wave: 'big', tenth: i % 10 },
    }));
    expect((await runBulkOperation(registry, wave)).isSuccessful).toBe(true);
    const { repository } = registry;
    const read = repository.indexedDeviceIds?.bind(repository);
    if (!read) throw new Error('the registry keeps no twin index');
    let candidatesRead = 0;
    repository.indexedDeviceIds = async (entries, page) => {
      const found = await read(entries, page);
      expect(page.limit).toBeLessThanOrEqual(1_000);
      candidatesRead += found?.deviceIds.length ?? 0;
      return found;
    };
    try {
      // One device of the wave in ten holds `tenth = 1` (the index operand: the first of the fewest entries):
      // candidates selective enough for the planner to take the index (a large share of candidates scans).
      const query = parseQuery("SELECT * FROM devices WHERE tags.tenth = 1 AND tags.wave = 'big'");
      const seen: string[] = [];
      let continuationToken: string | undefined;
      do {
        const page = await queryTwins(
          registry,
          query,
          continuationToken ? { maxItems: 50, continuationToken } : { maxItems: 50 },
        );
        seen.push(...(page.items as TwinWire[]).map((twin) => twin.deviceId));
        continuationToken = page.continuationToken;
      } while (continuationToken);
      const expected = wave.filter((_, i) => i % 10 === 1).map((device) => device.id);
      expect(seen).toEqual(expected);
      // Three pages of 50 over 130 candidates: each page reads about the candidates it walks, not all of them.
      expect(candidatesRead).toBeLessThan(2 * expected.length);
    } finally {
      repository.indexedDeviceIds = read;
    }
  }, 60_000);
});

describe('covering entries (index rows carrying a copy of their device tags)', () => {
  const cov = Array.from({ length: 30 }, (_, i) => ({
    id: `cov-${String(i).padStart(2, '0')}`,
    importMode: 'create',
    tags: { cov: 'c', grade: i % 5 },
  }));

  beforeAll(async () => {
    expect((await runBulkOperation(registry, cov)).isSuccessful).toBe(true);
  });

  /** The index rows of a device's current entries: each must exist, pending or with a copy its tags extend. */
  async function expectSoundRows(deviceId: string): Promise<Array<string | undefined>> {
    const stored = await registry.repository.get(deviceId);
    if (!stored) throw new Error(`${deviceId} is missing`);
    const copies: Array<string | undefined> = [];
    for (const entry of twinIndexEntries(stored.record).values()) {
      const row = await (
        await indexTables.open(indexTables.nameOf(entry.path))
      ).getEntity<{ tags?: string }>(indexKeys.partitionKey(entry), registryKeys.rowKey(deviceId));
      const copy = row.tags;
      if (copy) expect(tagsExtend(JSON.parse(copy) as JsonObject, stored.record.tags)).toBe(true);
      copies.push(copy);
    }
    return copies;
  }

  /** The ids a condition returns, with the point reads of the registry it took. */
  async function countedIds(condition: string): Promise<{ found: string[]; pointReads: number }> {
    const { repository } = registry;
    const get = jest.spyOn(repository, 'get');
    try {
      const found = await ids(condition);
      return { found, pointReads: get.mock.calls.length };
    } finally {
      get.mockRestore();
    }
  }

  it('are written by bulk imports, so a query point-reads only the devices its tags copies admit', async () => {
    for (const { id } of cov.slice(0, 5))
      expect(await expectSoundRows(id)).toEqual([expect.any(String), expect.any(String)]);
    // The index lookup is `cov = 'c'` (one entry against two); no device holds grade 7.
    const condition = "tags.cov = 'c' AND tags.grade IN [2, 7]";
    const { found, pointReads } = await countedIds(condition);
    expect(found).toEqual(await scannedIds(condition));
    expect(found).toHaveLength(6);
    // One point read per returned device, not one per holder of `cov = 'c'` (30).
    expect(pointReads).toBe(6);
  });

  it('a failed tag change leaves the rows it marked pending, never a copy the device does not hold', async () => {
    const stored = await registry.repository.get('cov-01');
    if (!stored) throw new Error('cov-01 is missing');
    const changed = { ...stored.record, tags: { cov: 'c', grade: 4 } };
    await expect(
      registry.repository.replace(changed, 'W/"datetime\'2000-01-01T00%3A00%3A00Z\'"', stored.record),
    ).rejects.toThrow();
    // Its rows: `cov = 'c'` pending (the failed write marked it), `grade = 1` still with a copy it holds.
    expect(await expectSoundRows('cov-01')).toEqual(['', expect.stringContaining('"grade":1')]);
    for (const condition of ["tags.cov = 'c' AND tags.grade = 1", "tags.cov = 'c' AND tags.grade = 4"])
      expect(await ids(condition)).toEqual(await scannedIds(condition));
  });

  it('stay sound under concurrent tag changes of one device', async () => {
    for (let round = 0; round < 3; round += 1) {
      const grades = [5, 6, 7].map((grade) => grade + round * 3);
      await Promise.all(
        grades.map((grade) =>
          registry.updateTwin('cov-02', { tags: { grade } }, 'patch', undefined).catch(() => undefined),
        ),
      );
      await expectSoundRows('cov-02');
      const held = (await registry.repository.get('cov-02'))?.record.tags.grade;
      for (const grade of grades) {
        const found = (await ids(`tags.cov = 'c' AND tags.grade = ${grade}`)).includes('cov-02');
        expect({ grade, found }).toEqual({ grade, found: grade === held });
      }
    }
  });

  it('keep their copies through a write that only adds tags, and rows without a copy are point-read', async () => {
    const before = await expectSoundRows('cov-06');
    const gateway = new SimulatedDeviceGateway(registry);
    await gateway.applyTwinPatch('cov-06', { tags: { campaign: 'x' }, properties: { desired: { fw: '2' } } });
    // The old rows were not rewritten (their copy lacks `campaign`, which leaves the device in); the new one has it.
    const after = await expectSoundRows('cov-06');
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after[before.length]).toContain('"campaign":"x"');
    expect(await ids("tags.cov = 'c' AND tags.campaign = 'x'")).toEqual(['cov-06']);

    // A row written before covering entries (no copy column) gives its device as a candidate, as before.
    const condition = "tags.cov = 'c' AND tags.grade IN [2, 7]";
    const covered = await countedIds(condition);
    const entry = { path: 'tags.cov', value: 'c' };
    const table = await indexTables.open(indexTables.nameOf(entry.path));
    const keys = { partitionKey: indexKeys.partitionKey(entry), rowKey: registryKeys.rowKey('cov-08') };
    await table.upsertEntity({ ...keys, deviceId: 'cov-08' }, 'Replace');
    expect(await countedIds(condition)).toEqual({ found: covered.found, pointReads: covered.pointReads + 1 });
  });
});

describe('index writes of a tag value change', () => {
  /** Index deletes wait while the gate is closed (each write's own step after its device write). */
  const gate = { closed: false, waiters: [] as Array<() => void> };
  const passGate = () =>
    gate.closed ? new Promise<void>((resolve) => gate.waiters.push(resolve)) : Promise.resolve();
  const release = () => {
    gate.closed = false;
    for (const resume of gate.waiters.splice(0)) resume();
  };
  /** The creates sent to the index tables, single or in transactions. */
  let creates = 0;

  /** Index tables whose deletes (single or in a transaction) pass the gate first, and whose creates are counted. */
  function gatedTables(prefix: string): RegistryIndexTables {
    const open = tableOpener(azurite.connectionString);
    return registryIndexTables(
      azurite.connectionString,
      { prefix, legacy: `${prefix}Legacy` },
      async (name) => {
        const client = await open(name);
        return new Proxy(client, {
          get(target, property) {
            if (property === 'deleteEntity')
              return async (...args: Parameters<TableClient['deleteEntity']>) => {
                await passGate();
                return target.deleteEntity(...args);
              };
            if (property === 'createEntity')
              return (...args: Parameters<TableClient['createEntity']>) => {
                creates += 1;
                return target.createEntity(...args);
              };
            if (property === 'submitTransaction')
              return async (actions: TransactionAction[]) => {
                creates += actions.filter(([kind]) => kind === 'create').length;
                if (actions.some(([kind]) => kind === 'delete')) await passGate();
                return target.submitTransaction(actions);
              };
            const value: unknown = Reflect.get(target, property, target);
            return typeof value === 'function'
              ? (value as (...args: unknown[]) => unknown).bind(target)
              : value;
          },
        });
      },
    );
  }

  /** A registry over the gated index tables, holding `race-1` with `tags`. */
  async function registryHolding(table: string, tags: JsonObject) {
    const repository = new DeviceRegistryRepository(
      lazyTable(azurite.connectionString, table),
      gatedTables(`${table}Ix`),
    );
    const registry = new EmbeddedRegistry({
      repository,
      defaultSimulation: { latencyMs: 0 },
      simulationSeed: 'r',
    });
    expect(
      (await runBulkOperation(registry, [{ id: 'race-1', importMode: 'create', tags }])).isSuccessful,
    ).toBe(true);
    return { repository, registry };
  }

  it('creates only the rows of new entries: the rows it keeps are marked without a refused create', async () => {
    const { registry: race } = await registryHolding('RaceKept', { building: '1', floor: 2, kind: 'k' });
    creates = 0;
    await race.updateTwin('race-1', { tags: { building: '2' } }, 'patch', undefined);
    expect(creates).toBe(1);
    for (const [condition, found] of [
      ["tags.building = '2' AND tags.floor = 2", ['race-1']],
      ["tags.kind = 'k' AND tags.building = '2'", ['race-1']],
      ["tags.kind = 'k' AND tags.building = '1'", []],
    ] as const) {
      const ids: string[] = [];
      for await (const { twin } of matchingTwins(race, parseCondition(condition))) ids.push(twin.deviceId);
      expect({ condition, ids }).toEqual({ condition, ids: found });
    }
  });

  it('stays findable when the write that left it deletes its row late', async () => {
    const { repository, registry: race } = await registryHolding('RaceDevices', { building: '1' });
    const holders = async (building: string) => {
      const found: string[] = [];
      for await (const { twin } of matchingTwins(race, parseCondition(`tags.building = '${building}'`)))
        found.push(twin.deviceId);
      return found;
    };
    const building = async () => (await repository.get('race-1'))?.record.tags.building;
    const until = async (value: string) => {
      while ((await building()) !== value) await new Promise((resolve) => setTimeout(resolve, 10));
    };

    gate.closed = true;
    // The first write leaves building 1; its delete of that row waits until the second write took building 1 again.
    const leaves = race.updateTwin('race-1', { tags: { building: '2' } }, 'patch', undefined);
    await until('2');
    const returns = race.updateTwin('race-1', { tags: { building: '1' } }, 'patch', undefined);
    await until('1');
    release();
    await Promise.all([leaves, returns]);

    expect(await holders('1')).toEqual(['race-1']);
    expect(await holders('2')).toEqual([]);
  });
});
