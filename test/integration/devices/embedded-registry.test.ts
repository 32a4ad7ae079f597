import { startAzurite, type RunningAzurite } from '../../../packages/func-local/storage/azurite';
import { versionEtag } from '../../../shared/iothub-rules';
import { runBulkOperation } from '../../../shared/devices/simulated/bulk-registry';
import { EmbeddedRegistry } from '../../../shared/devices/simulated/embedded-registry';
import { simulateMethod } from '../../../shared/devices/simulated/method-simulator';
import { readMethodInvocation } from '../../../shared/devices/method-request';
import { DeviceRegistryRepository, registryKeys } from '../../../shared/storage/device-registry.repository';
import { lazyTable } from '../../../shared/storage/table-support';
import { TableCompletionWaits } from '../../../shared/storage/completion-waits.repository';
import { WATCH_PRESENCE_MAX_AGE_MS } from '../../../shared/jobs/core/completion-condition';
import { codeOf } from './code-of';

let azurite: RunningAzurite;
let repository: DeviceRegistryRepository;
let clock = Date.UTC(2026, 0, 1);
let registry: EmbeddedRegistry;
const noSleep = () => Promise.resolve();

beforeAll(async () => {
  azurite = await startAzurite({ inMemory: true });
  repository = new DeviceRegistryRepository(lazyTable(azurite.connectionString, 'RegistryTest'));
  registry = new EmbeddedRegistry({
    repository,
    defaultSimulation: { latencyMs: 40, failureRate: 0 },
    simulationSeed: 'seed-1',
    now: () => clock,
  });
}, 60_000);

afterAll(async () => {
  await azurite.stop();
});

describe('device identities', () => {
  it('creates a device with generated keys, refuses a duplicate create and updates with If-Match', async () => {
    const created = await registry.putDevice('dev-1', { deviceId: 'dev-1' }, { kind: 'none' });
    expect(created).toMatchObject({ deviceId: 'dev-1', status: 'enabled', connectionState: 'Connected' });
    expect(Buffer.from(created.authentication.symmetricKey?.primaryKey ?? '', 'base64')).toHaveLength(32);
    expect(await codeOf(registry.putDevice('dev-1', {}, { kind: 'none' }))).toBe('DeviceAlreadyExists');

    const stale = created.etag;
    const updated = await registry.putDevice(
      'dev-1',
      { status: 'disabled', statusReason: 'maintenance' },
      { kind: 'etag', etag: stale },
    );
    expect(updated).toMatchObject({
      status: 'disabled',
      statusReason: 'maintenance',
      connectionState: 'Disconnected',
    });
    expect(updated.etag).not.toBe(stale);
    expect(updated.generationId).toBe(created.generationId);
    expect(await codeOf(registry.putDevice('dev-1', {}, { kind: 'etag', etag: stale }))).toBe(
      'PreconditionFailed',
    );
    expect(await registry.getDevice('dev-1')).toEqual(updated);
  });

  it('keeps the simulation profile on an update that does not mention it, and removes it on null', async () => {
    await registry.putDevice('sim-1', { simulation: { offline: true } }, { kind: 'none' });
    const kept = await registry.putDevice('sim-1', { status: 'enabled' }, { kind: 'any' });
    expect(kept).toMatchObject({ simulation: { offline: true }, connectionState: 'Disconnected' });
    const removed = await registry.putDevice('sim-1', { simulation: null }, { kind: 'any' });
    expect(removed).not.toHaveProperty('simulation');
    expect(removed.connectionState).toBe('Connected');
  });

  it('keeps device ids with characters Table Storage refuses in keys', async () => {
    const id = "odd?id%with'quote";
    await registry.putDevice(id, {}, { kind: 'none' });
    expect((await registry.getDevice(id)).deviceId).toBe(id);
    await registry.deleteDevice(id, { kind: 'any' });
    expect(await codeOf(registry.getDevice(id))).toBe('DeviceNotFound');
  });

  it('validates ids and identities with ArgumentInvalid', async () => {
    expect(await codeOf(registry.putDevice('has space', {}, { kind: 'none' }))).toBe('ArgumentInvalid');
    expect(await codeOf(registry.putDevice('x', { status: 'paused' }, { kind: 'none' }))).toBe(
      'ArgumentInvalid',
    );
    expect(await codeOf(registry.putDevice('x', { simulation: { failureRate: 3 } }, { kind: 'none' }))).toBe(
      'ArgumentInvalid',
    );
    expect(await codeOf(registry.putDevice('x', { deviceId: 'y' }, { kind: 'none' }))).toBe(
      'ArgumentInvalid',
    );
  });

  it('deletes only the version If-Match names', async () => {
    const device = await registry.putDevice('dev-del', {}, { kind: 'none' });
    expect(await codeOf(registry.deleteDevice('dev-del', { kind: 'etag', etag: 'bm9wZQ==' }))).toBe(
      'PreconditionFailed',
    );
    await registry.deleteDevice('dev-del', { kind: 'etag', etag: device.etag });
    expect(await codeOf(registry.deleteDevice('dev-del', { kind: 'any' }))).toBe('DeviceNotFound');
  });
});

describe('twins', () => {
  beforeAll(async () => {
    await registry.putDevice('twin-1', {}, { kind: 'none' });
  });

  it('merges tags and desired properties, null deleting, bumping versions and metadata', async () => {
    const before = await registry.getTwin('twin-1');
    expect(before.version).toBe(1);
    expect(before.etag).toBe(versionEtag(1));
    clock += 1000;
    const patched = await registry.updateTwin(
      'twin-1',
      {
        tags: { building: '43', location: { floor: 3, room: 'a' } },
        desired: { telemetry: { interval: 10 }, mode: 'eco' },
      },
      'patch',
      before.etag,
    );
    expect(patched.version).toBe(2);
    expect(patched.tags).toEqual({ building: '43', location: { floor: 3, room: 'a' } });
    expect(patched.properties.desired).toMatchObject({
      telemetry: { interval: 10 },
      mode: 'eco',
      $version: 2,
    });
    const at = new Date(clock).toISOString();
    expect(patched.properties.desired.$metadata).toMatchObject({
      $lastUpdated: at,
      $lastUpdatedVersion: 2,
      telemetry: { $lastUpdated: at, interval: { $lastUpdated: at, $lastUpdatedVersion: 2 } },
    });

    clock += 1000;
    const second = await registry.updateTwin(
      'twin-1',
      { tags: { location: { room: null } }, desired: { mode: null } },
      'patch',
      undefined,
    );
    expect(second.tags).toEqual({ building: '43', location: { floor: 3 } });
    expect(second.properties.desired).not.toHaveProperty('mode');
    expect(second.properties.desired.$version).toBe(3);
    expect(await codeOf(registry.updateTwin('twin-1', { tags: { a: 1 } }, 'patch', patched.etag))).toBe(
      'PreconditionFailed',
    );
  });

  it('replaces tags and desired properties with PUT semantics', async () => {
    const replaced = await registry.updateTwin('twin-1', { tags: { only: 'this' } }, 'replace', undefined);
    expect(replaced.tags).toEqual({ only: 'this' });
    expect(replaced.properties.desired).toEqual({ $metadata: expect.any(Object), $version: 4 });
  });

  it('has the simulated device report desired properties back after its latency', async () => {
    clock += 1000;
    const patched = await registry.updateTwin(
      'twin-1',
      { desired: { firmware: '2.0.0' } },
      'patch',
      undefined,
    );
    expect(patched.properties.reported).not.toHaveProperty('firmware');
    clock += 39;
    expect((await registry.getTwin('twin-1')).properties.reported).not.toHaveProperty('firmware');
    clock += 1;
    const reported = await registry.getTwin('twin-1');
    const reportedVersion = Number(patched.properties.reported.$version) + 1;
    expect(reported.properties.reported).toMatchObject({ firmware: '2.0.0', $version: reportedVersion });
    expect(reported.version).toBe(patched.version + 1);
    const next = await registry.updateTwin('twin-1', { tags: { x: 1 } }, 'patch', reported.etag);
    expect(next.properties.reported).toMatchObject({ firmware: '2.0.0', $version: reportedVersion });
  });

  it('stores a twin at the limits (8 KB tags, 32 KB desired reported back) across chunked properties', async () => {
    await registry.putDevice('big-twin', {}, { kind: 'none' });
    const piece = (n: number) => 'é'.repeat(n);
    const tags = Object.fromEntries(Array.from({ length: 4 }, (_, i) => [`t${i}`, piece(1000)]));
    const desired = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`d${i}`, piece(1000)]));
    await registry.updateTwin('big-twin', { tags }, 'patch', undefined);
    await registry.updateTwin('big-twin', { desired }, 'patch', undefined);
    clock += 1000;
    const reported = await registry.getTwin('big-twin');
    expect(reported.properties.reported).toMatchObject(desired);
    await registry.updateTwin('big-twin', { tags: { extra: 1 } }, 'patch', undefined);
    const reread = await registry.getTwin('big-twin');
    expect(reread.tags).toEqual({ ...tags, extra: 1 });
    expect(reread.properties.desired).toMatchObject(desired);
    expect(reread.properties.reported).toMatchObject(desired);
    expect(Buffer.byteLength(JSON.stringify(reread))).toBeGreaterThan(70_000);
  });

  it('enforces IoT Hub twin limits', async () => {
    const big = 'x'.repeat(4000);
    const tags: Record<string, string> = {};
    for (let i = 0; i < 3; i++) tags[`k${i}`] = big;
    expect(await codeOf(registry.updateTwin('twin-1', { tags }, 'patch', undefined))).toBe('ArgumentInvalid');
    const desired: Record<string, string> = {};
    for (let i = 0; i < 7; i++) desired[`k${i}`] = big;
    const large = await registry.updateTwin('twin-1', { desired }, 'patch', undefined);
    expect(large.properties.desired).toHaveProperty('k6', big);
    for (let i = 7; i < 9; i++) desired[`k${i}`] = big;
    expect(await codeOf(registry.updateTwin('twin-1', { desired }, 'patch', undefined))).toBe(
      'ArgumentInvalid',
    );
  });
});

describe('registry row writes', () => {
  it('merges a rewritten row in place, and replaces it when the record needs fewer parts (none left behind)', async () => {
    const table = lazyTable(azurite.connectionString, 'RegistryWrites');
    const client = await table();
    const writes = new EmbeddedRegistry({
      repository: new DeviceRegistryRepository(table),
      defaultSimulation: { latencyMs: 40, failureRate: 0 },
      simulationSeed: 'seed-1',
      now: () => clock,
    });
    const update = jest.spyOn(client, 'updateEntity');
    try {
      await writes.putDevice('rewritten', {}, { kind: 'none' });
      await writes.updateTwin('rewritten', { tags: { stage: 1 } }, 'patch', undefined);
      // 15 KB of 'é' (6 characters each in stored JSON): the record grows to several parts, then back to one.
      const keys = Array.from({ length: 15 }, (_, i) => `d${i}`);
      const desired = Object.fromEntries(keys.map((key) => [key, 'é'.repeat(1000)]));
      await writes.updateTwin('rewritten', { desired }, 'patch', undefined);
      const grown = await client.getEntity(registryKeys.partitionKey('rewritten'), 'rewritten');
      const cleared = Object.fromEntries(keys.map((key) => [key, null]));
      await writes.updateTwin('rewritten', { desired: cleared }, 'patch', undefined);
      expect(update.mock.calls.map((call) => call[1])).toEqual(['Merge', 'Merge', 'Replace']);
      expect(grown.recordParts).toBeGreaterThan(2);
    } finally {
      update.mockRestore();
    }
    const stored = await client.getEntity(registryKeys.partitionKey('rewritten'), 'rewritten');
    expect(stored.recordParts).toBe(1);
    expect(Object.keys(stored).filter((name) => /^record\d+$/.test(name))).toEqual(['record0']);
    const twin = await writes.getTwin('rewritten');
    expect(twin.tags).toEqual({ stage: 1 });
    expect(twin.properties.desired).toMatchObject({ $version: 3 });
    expect(Object.keys(twin.properties.desired).filter((key) => !key.startsWith('$'))).toEqual([]);
  });
});

describe('bulk registry operations', () => {
  it('creates devices with tags and simulation, reports duplicates per device, updates and removes', async () => {
    await registry.putDevice('bulk-0', {}, { kind: 'none' });
    const entries = Array.from({ length: 250 }, (_, i) => ({
      id: `bulk-${i}`,
      importMode: 'create',
      status: 'enabled',
      tags: { building: String(40 + (i % 5)) },
      simulation: i === 1 ? { offline: true } : undefined,
    }));
    const created = await runBulkOperation(registry, entries);
    expect(created.isSuccessful).toBe(false);
    expect(created.errors).toEqual([
      {
        deviceId: 'bulk-0',
        errorCode: 'DeviceAlreadyExists',
        errorStatus: "A device with ID 'bulk-0' is already registered.",
      },
    ]);
    expect((await registry.getTwin('bulk-7')).tags).toEqual({ building: '42' });
    expect((await registry.getDevice('bulk-1')).connectionState).toBe('Disconnected');

    const updated = await runBulkOperation(registry, [
      { id: 'bulk-2', importMode: 'Update', status: 'disabled' },
      { id: 'bulk-3', importMode: 'UpdateIfMatchETag', eTag: 'd3Jvbmc=', status: 'disabled' },
      { id: 'missing', importMode: 'Update' },
    ]);
    expect(updated.errors.map((e) => [e.deviceId, e.errorCode]).sort()).toEqual([
      ['bulk-3', 'PreconditionFailed'],
      ['missing', 'DeviceNotFound'],
    ]);
    expect((await registry.getDevice('bulk-2')).status).toBe('disabled');

    const removed = await runBulkOperation(registry, [{ id: 'bulk-4', importMode: 'Delete' }]);
    expect(removed).toEqual({ isSuccessful: true, errors: [], warnings: [] });
    expect(await codeOf(registry.getDevice('bulk-4'))).toBe('DeviceNotFound');
  });

  it('refuses malformed requests as a whole', async () => {
    expect(await codeOf(runBulkOperation(registry, {}))).toBe('ArgumentInvalid');
    expect(await codeOf(runBulkOperation(registry, []))).toBe('ArgumentInvalid');
    expect(await codeOf(runBulkOperation(registry, [{ id: 'a', importMode: 'explode' }]))).toBe(
      'ArgumentInvalid',
    );
    expect(
      await codeOf(
        runBulkOperation(registry, [
          { id: 'a', importMode: 'create' },
          { id: 'a', importMode: 'create' },
        ]),
      ),
    ).toBe('ArgumentInvalid');
    const tooMany = Array.from({ length: 5001 }, (_, i) => ({ id: `t${i}`, importMode: 'create' }));
    expect(await codeOf(runBulkOperation(registry, tooMany))).toBe('ArgumentInvalid');
  });
});

describe('simulated direct methods', () => {
  const call = (body: Record<string, unknown>) => readMethodInvocation(body);

  beforeAll(async () => {
    await runBulkOperation(registry, [
      {
        id: 'm-ok',
        importMode: 'create',
        simulation: { methods: { reboot: { status: 202, payload: { rebooting: true } } } },
      },
      { id: 'm-off', importMode: 'create', simulation: { offline: true } },
      { id: 'm-slow', importMode: 'create', simulation: { latencyMs: 6000 } },
      { id: 'm-fail', importMode: 'create', simulation: { failureRate: 1 } },
    ]);
  });

  it('answers configured methods, echoes unknown ones, and fails per profile', async () => {
    expect(await simulateMethod(registry, 'm-ok', call({ methodName: 'reboot' }), noSleep)).toEqual({
      status: 202,
      payload: { rebooting: true },
    });
    expect(
      await simulateMethod(registry, 'm-ok', call({ methodName: 'ping', payload: { n: 1 } }), noSleep),
    ).toEqual({
      status: 200,
      payload: { methodName: 'ping', echo: { n: 1 } },
    });
    expect((await simulateMethod(registry, 'm-fail', call({ methodName: 'reboot' }), noSleep)).status).toBe(
      500,
    );
    expect(await codeOf(simulateMethod(registry, 'm-off', call({ methodName: 'reboot' }), noSleep))).toBe(
      'DeviceNotOnline',
    );
    expect(await codeOf(simulateMethod(registry, 'nobody', call({ methodName: 'reboot' }), noSleep))).toBe(
      'DeviceNotFound',
    );
  });

  it('times out after responseTimeoutInSeconds when the device is slower, and waits its latency otherwise', async () => {
    const slept: number[] = [];
    const sleep = (ms: number) => (slept.push(ms), Promise.resolve());
    expect(
      await codeOf(
        simulateMethod(registry, 'm-slow', call({ methodName: 'x', responseTimeoutInSeconds: 5 }), sleep),
      ),
    ).toBe('GatewayTimeout');
    expect(
      (
        await simulateMethod(
          registry,
          'm-slow',
          call({ methodName: 'x', responseTimeoutInSeconds: 7 }),
          sleep,
        )
      ).status,
    ).toBe(200);
    expect(slept).toEqual([5000, 6000]);
  });

  it('validates method calls', () => {
    expect(() => call({})).toThrow(/methodName/);
    expect(() => call({ methodName: 'a', responseTimeoutInSeconds: 4 })).toThrow(/responseTimeoutInSeconds/);
    expect(() => call({ methodName: 'a', connectTimeoutInSeconds: 301 })).toThrow(/connectTimeoutInSeconds/);
    expect(() => call({ methodName: 'a', payload: 'x'.repeat(130 * 1024) })).toThrow(/128/);
    expect(call({ methodName: 'a' })).toEqual({
      methodName: 'a',
      payload: null,
      responseTimeoutInSeconds: 30,
      connectTimeoutInSeconds: 0,
    });
  });
});

describe('watches on twins (completion conditions)', () => {
  it('reads a device’s watches after a twin change only while some device has one, and marks a met one', async () => {
    const waits = new TableCompletionWaits(lazyTable(azurite.connectionString, 'WatchTest'));
    const woken: string[] = [];
    const watched = new EmbeddedRegistry({
      repository,
      defaultSimulation: { latencyMs: 40, failureRate: 0 },
      simulationSeed: 'seed-1',
      now: () => clock,
      watches: { store: waits, waker: { wake: (jobId) => Promise.resolve(void woken.push(jobId)) } },
    });
    await watched.putDevice('watched-1', {}, { kind: 'none' });
    const watchesOf = jest.spyOn(waits, 'watchesOf');
    await watched.updateTwin('watched-1', { tags: { stage: 1 } }, 'patch', undefined);
    expect(await waits.anyWatches()).toBe(false);
    expect(watchesOf).not.toHaveBeenCalled();

    const deadline = new Date(clock + 60_000).toISOString();
    const wait = { jobId: 'job-w', deviceId: 'watched-1', shard: 0, condition: 'tags.stage = 2', deadline };
    await waits.add([{ ...wait, dueAt: deadline, attempts: 1 }]);
    expect(await waits.anyWatches()).toBe(true);
    // Until its knowledge is renewed the writer may miss the new watch (the job looks at the device itself then).
    clock += WATCH_PRESENCE_MAX_AGE_MS;
    await watched.updateTwin('watched-1', { tags: { stage: 2 } }, 'patch', undefined);
    expect(watchesOf).toHaveBeenCalledWith('watched-1');
    expect(woken).toEqual(['job-w']);
    expect((await waits.met('job-w', 10)).map((met) => met.deviceId)).toEqual(['watched-1']);
    watchesOf.mockRestore();
  });
});
