import { Registry } from 'azure-iothub';
import { usePlainHttp, type PlainHttpAgent } from '../../../shared/devices/iothub/plain-http-agent';
import { startDeviceHost, type DeviceHost } from './device-host';

let running: DeviceHost;
let registry: Registry;
let agent: PlainHttpAgent;

beforeAll(async () => {
  running = await startDeviceHost({ DEMO_FLEET_SIZE: '1000' });
  registry = Registry.fromConnectionString(running.connectionString);
  agent = usePlainHttp(registry, running.port);
}, 90_000);

afterAll(async () => {
  agent?.destroy();
  await running?.host.stop();
});

async function count(condition: string): Promise<number> {
  const { result } = await registry.createQuery(`SELECT COUNT() AS n FROM devices WHERE ${condition}`).next();
  return (result as { n: number }[])[0]?.n ?? 0;
}

describe('npm start seeds a demo fleet into an empty registry', () => {
  it('creates 1,000 tagged devices at start, which a twin query through the SDK lists', async () => {
    const deadline = Date.now() + 30_000;
    while ((await count("STARTSWITH(deviceId, 'device-')")) < 1000) {
      if (Date.now() > deadline) throw new Error('the demo fleet did not appear');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await running.host.waitForOutput(/Demo fleet: created 1000 simulated devices/);

    const query = registry.createQuery(
      "SELECT * FROM devices WHERE tags.building = '43' AND tags.floor = 3",
      100,
    );
    const { result } = await query.nextAsTwin(query.continuationToken);
    expect(result.map((twin) => twin.deviceId).sort()).toEqual([
      'device-00192',
      'device-00592',
      'device-00992',
    ]);
    expect(await count("connectionState = 'Disconnected'")).toBe(20);
  }, 60_000);
});
