import { startAzurite, type RunningAzurite } from '../../../packages/func-local/storage/azurite';
import { runBulkOperation } from '../../../shared/devices/simulated/bulk-registry';
import { EmbeddedRegistry } from '../../../shared/devices/simulated/embedded-registry';
import { SimulatedDeviceGateway } from '../../../shared/devices/simulated/simulated-gateway';
import { DeviceRegistryRepository } from '../../../shared/storage/device-registry.repository';
import { lazyTable } from '../../../shared/storage/table-support';
import { gatewayContract, type ContractSubject } from './gateway-contract';

let azurite: RunningAzurite;
let subject: ContractSubject;
let registry: EmbeddedRegistry;

beforeAll(async () => {
  azurite = await startAzurite({ inMemory: true });
  const repository = new DeviceRegistryRepository(lazyTable(azurite.connectionString, 'GatewayContract'));
  registry = new EmbeddedRegistry({
    repository,
    defaultSimulation: { latencyMs: 10 },
    simulationSeed: 'contract',
  });
  subject = {
    gateway: new SimulatedDeviceGateway(registry),
    addDevices: async (devices) => {
      const result = await runBulkOperation(
        registry,
        devices.map((device) => ({ ...device, importMode: 'create' })),
      );
      expect(result.errors).toEqual([]);
    },
  };
}, 60_000);

afterAll(async () => {
  await azurite.stop();
});

describe('SimulatedDeviceGateway (in process, embedded registry on Azurite)', () => {
  gatewayContract(() => subject);
});

describe('SimulatedDeviceGateway: the rows a target query read serve the calls that follow', () => {
  const reboot = {
    methodName: 'reboot',
    payload: null,
    responseTimeoutInSeconds: 30,
    connectTimeoutInSeconds: 0,
  };

  beforeAll(async () => {
    const result = await runBulkOperation(registry, [
      { id: 'kept-1', importMode: 'create', tags: { handoff: 'a' }, simulation: { latencyMs: 0 } },
      { id: 'kept-2', importMode: 'create', tags: { handoff: 'b' }, simulation: { latencyMs: 0 } },
      { id: 'kept-3', importMode: 'create', tags: { handoff: 'c' } },
      { id: 'kept-4', importMode: 'create', tags: { handoff: 'd' } },
    ]);
    expect(result.errors).toEqual([]);
  });

  it('a twin patch after a target query lands on the current twin even when the device changed in between', async () => {
    const gateway = new SimulatedDeviceGateway(registry);
    const page = await gateway.resolveTargetsPage("tags.handoff = 'a'", { maxItems: 10 });
    expect(page.deviceIds).toEqual(['kept-1']);
    // Changed after the query read it: the kept row is stale, its storage etag no longer matches.
    await registry.updateTwin('kept-1', { tags: { changedMeanwhile: true } }, 'patch', undefined);
    await gateway.applyTwinPatch('kept-1', { etag: '*', tags: { campaign: 'x' } });
    const twin = await registry.getTwin('kept-1');
    expect(twin.tags).toEqual({ handoff: 'a', changedMeanwhile: true, campaign: 'x' });
  });

  it('a conditional twin patch after a target query is checked against the current twin, not the kept row', async () => {
    const gateway = new SimulatedDeviceGateway(registry);
    await gateway.resolveTargetsPage("tags.handoff = 'c'", { maxItems: 10 });
    const { etag } = await registry.updateTwin(
      'kept-3',
      { tags: { changedMeanwhile: true } },
      'patch',
      undefined,
    );
    const applied = await gateway.applyTwinPatch('kept-3', { etag, tags: { campaign: 'y' } });
    expect(applied.previous.tags).toEqual({ handoff: 'c', changedMeanwhile: true });
    await expect(gateway.applyTwinPatch('kept-3', { etag, tags: { campaign: 'z' } })).rejects.toMatchObject({
      code: 'PreconditionFailed',
    });
  });

  it('a twin patch takes the row its target query read however long ago (the write checks its etag)', async () => {
    let clock = Date.now();
    const later = new EmbeddedRegistry({
      repository: registry.repository,
      defaultSimulation: { latencyMs: 10 },
      simulationSeed: 'contract',
      now: () => clock,
    });
    const gateway = new SimulatedDeviceGateway(later);
    await gateway.resolveTargetsPage("tags.handoff = 'd'", { maxItems: 10 });
    clock += 10 * 60_000;
    const get = jest.spyOn(later.repository, 'get');
    try {
      await gateway.applyTwinPatch('kept-4', { etag: '*', tags: { campaign: 'late' } });
      expect(get).not.toHaveBeenCalled();
    } finally {
      get.mockRestore();
    }
    expect((await registry.getTwin('kept-4')).tags).toEqual({ handoff: 'd', campaign: 'late' });
  });

  it('a method call after a target query uses the row the query read (no second read of the device)', async () => {
    const gateway = new SimulatedDeviceGateway(registry);
    await gateway.resolveTargetsPage("tags.handoff = 'b'", { maxItems: 10 });
    const get = jest.spyOn(registry.repository, 'get');
    try {
      expect((await gateway.invokeMethod('kept-2', reboot)).status).toBe(200);
      expect(get).not.toHaveBeenCalled();
      // Taken once: the next call reads the device again.
      expect((await gateway.invokeMethod('kept-2', reboot)).status).toBe(200);
      expect(get).toHaveBeenCalledWith('kept-2');
    } finally {
      get.mockRestore();
    }
  });
});
