import { startAzurite, type RunningAzurite } from '../../../local-host/storage/azurite';
import { runBulkOperation } from '../../../shared/devices/simulated/bulk-registry';
import { EmbeddedRegistry } from '../../../shared/devices/simulated/embedded-registry';
import { SimulatedDeviceGateway } from '../../../shared/devices/simulated/simulated-gateway';
import { DeviceRegistryRepository } from '../../../shared/storage/device-registry.repository';
import { lazyTable } from '../../../shared/storage/table-support';
import { gatewayContract, type ContractSubject } from './gateway-contract';

let azurite: RunningAzurite;
let subject: ContractSubject;

beforeAll(async () => {
  azurite = await startAzurite({ inMemory: true });
  const repository = new DeviceRegistryRepository(lazyTable(azurite.connectionString, 'GatewayContract'));
  const registry = new EmbeddedRegistry({
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
