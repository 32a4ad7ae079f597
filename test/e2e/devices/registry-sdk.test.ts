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

  it('lists device identities', async () => {
    await registry.create({ deviceId: 'listed-1' });
    const { responseBody: devices } = await registry.list();
    expect(devices.map((device) => device.deviceId)).toContain('listed-1');
    expect(devices.every((device) => typeof device.etag === 'string')).toBe(true);
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

describe('twin queries through Registry.createQuery', () => {
  beforeAll(async () => {
    const fleet = Array.from({ length: 30 }, (_, i) => ({
      deviceId: `q-${String(i).padStart(2, '0')}`,
      tags: { building: i % 3 === 0 ? '43' : '7', floor: i % 2 },
    }));
    const { responseBody } = await registry.addDevices(fleet);
    expect(responseBody.isSuccessful).toBe(true);
  });

  it('pages with continuation tokens until the last page', async () => {
    const query = registry.createQuery(
      "SELECT * FROM devices WHERE tags.building = '43' AND STARTSWITH(deviceId, 'q-')",
      4,
    );
    const ids: string[] = [];
    let pages = 0;
    while (query.hasMoreResults) {
      const { result } = await query.nextAsTwin(query.continuationToken);
      pages++;
      ids.push(...result.map((twin) => twin.deviceId));
    }
    expect(ids.sort()).toEqual([
      'q-00',
      'q-03',
      'q-06',
      'q-09',
      'q-12',
      'q-15',
      'q-18',
      'q-21',
      'q-24',
      'q-27',
    ]);
    expect(pages).toBe(3);
  });

  it('answers x-ms-item-type Twin and point-reads deviceId lists', async () => {
    const query = registry.createQuery("SELECT * FROM devices WHERE deviceId IN ['q-01', 'q-02', 'zzz']");
    const { result, message: response } = await query.next();
    expect(response.headers['x-ms-item-type']).toBe('Twin');
    expect(response.headers['x-ms-continuation']).toBeUndefined();
    expect((result as { deviceId: string }[]).map((twin) => twin.deviceId).sort()).toEqual(['q-01', 'q-02']);
  });

  it('reports a syntax error as 400 ArgumentInvalid naming the position', async () => {
    const error = await failure(registry.createQuery('SELECT * FROM devices WHERE tags.x =').next());
    expect(error.name).toBe('ArgumentError');
    expect(error.responseBody).toMatch(/ErrorCode:ArgumentInvalid;Syntax error at position \d+/);
  });
});
