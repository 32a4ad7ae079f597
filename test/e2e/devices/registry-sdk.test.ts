import { Client, Registry } from 'azure-iothub';
import { usePlainHttp, type PlainHttpAgent } from '../../../shared/devices/iothub/plain-http-agent';
import { startDeviceHost, type DeviceHost } from './device-host';

let running: DeviceHost;
let registry: Registry;
let client: Client;
const agents: PlainHttpAgent[] = [];

beforeAll(async () => {
  running = await startDeviceHost({ SIMULATION_SEED: 'e2e', SIMULATION_DEFAULT_PROFILE: '{"latencyMs":10}' });
  registry = Registry.fromConnectionString(running.connectionString);
  client = Client.fromConnectionString(running.connectionString);
  agents.push(usePlainHttp(registry, running.port), usePlainHttp(client, running.port));
}, 90_000);

afterAll(async () => {
  for (const agent of agents) agent.destroy();
  await running?.host.stop();
});

interface SdkError extends Error {
  response?: { statusCode?: number; headers?: Record<string, string> };
  responseBody?: string;
}

async function failure(action: Promise<unknown>): Promise<SdkError> {
  try {
    await action;
  } catch (error: unknown) {
    return error as SdkError;
  }
  throw new Error('expected the call to fail');
}

describe('Registry over HTTP against the embedded registry', () => {
  it('creates, reads, updates and deletes a device identity', async () => {
    const { responseBody: created } = await registry.create({ deviceId: 'sdk-1', status: 'enabled' });
    expect(created.deviceId).toBe('sdk-1');
    expect(created.authentication?.symmetricKey?.primaryKey).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect((await failure(registry.create({ deviceId: 'sdk-1' }))).name).toBe('DeviceAlreadyExistsError');

    const { responseBody: read } = await registry.get('sdk-1');
    expect(read.etag).toBe(created.etag);
    const { responseBody: updated } = await registry.update({ ...read, status: 'disabled' });
    expect(updated.status).toBe('disabled');

    await registry.delete('sdk-1');
    const missing = await failure(registry.get('sdk-1'));
    expect(missing.name).toBe('DeviceNotFoundError');
    expect(missing.response?.headers?.['iothub-errorcode']).toBe('DeviceNotFound');
  });

  it('adds, updates and removes devices in bulk', async () => {
    const devices = Array.from({ length: 100 }, (_, i) => ({
      deviceId: `bulk-sdk-${i}`,
      status: 'enabled' as const,
    }));
    const { responseBody: added } = await registry.addDevices(devices);
    expect(added).toEqual({ isSuccessful: true, errors: [], warnings: [] });
    const { responseBody: updated } = await registry.updateDevices(
      [{ deviceId: 'bulk-sdk-1', status: 'disabled' }],
      true,
    );
    expect(updated.isSuccessful).toBe(true);
    expect((await registry.get('bulk-sdk-1')).responseBody.status).toBe('disabled');
    const duplicate = await failure(registry.addDevices([{ deviceId: 'bulk-sdk-2' }]));
    expect(duplicate.response?.statusCode).toBe(400);
    expect(duplicate.responseBody).toContain('DeviceAlreadyExists');
    const { responseBody: removed } = await registry.removeDevices(devices, true);
    expect(removed.isSuccessful).toBe(true);
    expect((await failure(registry.get('bulk-sdk-50'))).name).toBe('DeviceNotFoundError');
  });

  it('reads and patches twins with etags', async () => {
    await registry.create({ deviceId: 'twin-sdk' });
    const { responseBody: twin } = await registry.getTwin('twin-sdk');
    expect(twin.deviceId).toBe('twin-sdk');
    const { responseBody: patched } = await registry.updateTwin(
      'twin-sdk',
      { tags: { building: '43', floor: 3 }, properties: { desired: { interval: 30 } } },
      twin.etag,
    );
    expect(patched.tags).toEqual({ building: '43', floor: 3 });
    expect(patched.properties.desired.interval).toBe(30);
    const stale = await failure(registry.updateTwin('twin-sdk', { tags: { floor: 4 } }, twin.etag));
    expect(stale.name).toBe('InvalidEtagError');
    const { responseBody: forced } = await registry.updateTwin('twin-sdk', { tags: { floor: 4 } }, '*');
    expect(forced.tags).toEqual({ building: '43', floor: 4 });

    await new Promise((resolve) => setTimeout(resolve, 50));
    const { responseBody: reported } = await registry.getTwin('twin-sdk');
    expect(reported.properties.reported.interval).toBe(30);
  });

  it('refuses a wrong key with 401 IotHubUnauthorizedAccess', async () => {
    const forged = Registry.fromConnectionString(
      running.connectionString.replace(
        /SharedAccessKey=.*/,
        `SharedAccessKey=${Buffer.alloc(32, 1).toString('base64')}`,
      ),
    );
    agents.push(usePlainHttp(forged, running.port));
    const denied = await failure(forged.get('anything'));
    expect(denied.name).toBe('UnauthorizedError');
    expect(denied.response?.headers?.['iothub-errorcode']).toBe('IotHubUnauthorizedAccess');
  });
});

describe('Client.invokeDeviceMethod against simulated devices', () => {
  beforeAll(async () => {
    await registry.addDevices([{ deviceId: 'm-online' }, { deviceId: 'm-offline' }]);
    await registry.updateDevices([{ deviceId: 'm-offline', status: 'enabled' }], true);
  });

  it('answers with the device status and payload', async () => {
    const { result } = await client.invokeDeviceMethod('m-online', {
      methodName: 'ping',
      payload: { hello: 'world' },
      responseTimeoutInSeconds: 5,
    });
    expect(result).toEqual({ status: 200, payload: { methodName: 'ping', echo: { hello: 'world' } } });
  });

  it('fails with 404 DeviceNotOnline for a device whose profile is offline', async () => {
    const withProfile = { deviceId: 'm-offline', simulation: { offline: true } };
    const { responseBody: device } = await registry.update(withProfile);
    expect(device.connectionState).toBe('Disconnected');
    const offline = await failure(
      client.invokeDeviceMethod('m-offline', { methodName: 'reboot', responseTimeoutInSeconds: 5 }),
    );
    expect(offline.response?.statusCode).toBe(404);
    expect(offline.responseBody).toContain('ErrorCode:DeviceNotOnline');
  });
});
