import { Registry } from 'azure-iothub';
import { IotHubDeviceGateway } from '../../../shared/devices/iothub/iothub-gateway';
import { usePlainHttp, type PlainHttpAgent } from '../../../shared/devices/iothub/plain-http-agent';
import { gatewayContract, type ContractSubject } from '../../integration/devices/gateway-contract';
import { startDeviceHost, type DeviceHost } from './device-host';

let running: DeviceHost;
let gateway: IotHubDeviceGateway;
let agent: PlainHttpAgent;
let subject: ContractSubject;

beforeAll(async () => {
  running = await startDeviceHost({
    SIMULATION_SEED: 'contract',
    SIMULATION_DEFAULT_PROFILE: '{"latencyMs":10}',
  });
  gateway = new IotHubDeviceGateway({
    connectionString: running.connectionString,
    plainHttpPort: running.port,
  });
  const registry = Registry.fromConnectionString(running.connectionString);
  agent = usePlainHttp(registry, running.port);
  subject = {
    gateway,
    addDevices: async (devices) => {
      const described = devices.map(({ id, ...extensions }) => ({ deviceId: id, ...extensions }));
      const { responseBody } = await registry.addDevices(described);
      expect(responseBody.errors).toEqual([]);
    },
  };
}, 90_000);

afterAll(async () => {
  gateway?.close();
  agent?.destroy();
  await running?.host.stop();
});

describe('IotHubDeviceGateway (azure-iothub SDK over HTTP, embedded registry served by the local host)', () => {
  gatewayContract(() => subject);
});
