import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { Registry } from 'azure-iothub';
import { usePlainHttp, type PlainHttpAgent } from '../../../shared/devices/iothub/plain-http-agent';
import { repoRoot, startDeviceHost, type DeviceHost } from './device-host';

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

  it('npm run seed adds a fleet through the bulk API and counts ids that exist already', async () => {
    const seed = (devices: number) =>
      promisify(execFile)(process.execPath, [
        path.join(repoRoot, 'dist/scripts/seed.js'),
        '--devices',
        String(devices),
        '--prefix',
        'seeded-',
        '--batch',
        '200',
        '--offline-rate',
        '0.1',
        '--url',
        `http://127.0.0.1:${running.port}`,
        '--connection-string',
        running.connectionString,
      ]);
    const first = await seed(500);
    expect(first.stdout).toMatch(/Seeded 500 devices \(0 existed already\)/);
    expect(await count("STARTSWITH(deviceId, 'seeded-')")).toBe(500);
    expect(await count("STARTSWITH(deviceId, 'seeded-') AND connectionState = 'Disconnected'")).toBe(50);
    const again = await seed(600);
    expect(again.stdout).toMatch(/Seeded 100 devices \(500 existed already\)/);
  }, 60_000);
});
