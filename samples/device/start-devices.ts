import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createHash } from 'node:crypto';
import { createSasToken } from '../../shared/http/sas-authorizer';
import { runDeviceApp } from './device-app';

/**
 * Starts N sample devices against `npm start`: creates `sample-device-<i>` in the embedded registry (if missing)
 * through the service API, then connects each with the sample device app over MQTT/TLS to the device endpoint.
 *   npm run sample:devices -- --count 10 [--url http://localhost:7071] [--port 8883] [--ca .device-endpoint/ca.pem]
 */
const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '5' },
    url: { type: 'string', default: 'http://localhost:7071' },
    port: { type: 'string', default: process.env.DEVICE_ENDPOINT_PORT ?? '8883' },
    ca: { type: 'string', default: path.resolve('.device-endpoint/ca.pem') },
    prefix: { type: 'string', default: 'sample-device-' },
    'apply-delay-ms': { type: 'string', default: '2000' },
  },
});
const root = path.resolve(__dirname, '../../..');
const settings = JSON.parse(
  fs.readFileSync(
    fs.existsSync(path.join(root, 'local.settings.json'))
      ? path.join(root, 'local.settings.json')
      : path.join(root, 'local.settings.sample.json'),
    'utf8',
  ),
) as { Values: Record<string, string> };
const hostName = settings.Values.JOBS_HOST_NAME ?? 'localhost';
const policies = JSON.parse(settings.Values.JOBS_ACCESS_POLICIES ?? '[]') as { name: string; key: string }[];
const owner = policies.find((policy) => policy.name === 'iothubowner') ?? policies[0];
if (!owner) throw new Error('No access policy in local.settings.json.');

/** A key per device derived from its id: the sample can reconnect the same devices on every run. */
const keyOf = (deviceId: string) => createHash('sha256').update(`sample:${deviceId}`).digest('base64');

async function ensureDevice(deviceId: string): Promise<void> {
  const response = await fetch(`${values.url}/devices/${deviceId}?api-version=2021-04-12`, {
    method: 'PUT',
    headers: {
      Authorization: createSasToken(
        hostName,
        owner as { name: string; key: string },
        Math.ceil(Date.now() / 1000) + 600,
      ),
      'Content-Type': 'application/json',
    },
    body: JSON.stringify({
      deviceId,
      status: 'enabled',
      authentication: {
        type: 'sas',
        symmetricKey: { primaryKey: keyOf(deviceId), secondaryKey: keyOf(`${deviceId}/2`) },
      },
    }),
  });
  if (response.status !== 200 && response.status !== 409) {
    throw new Error(`Creating ${deviceId}: ${response.status} ${await response.text()}`);
  }
}

async function main(): Promise<void> {
  const count = Number(values.count);
  const ca = fs.readFileSync(values.ca, 'utf8');
  const ids = Array.from({ length: count }, (_, i) => `${values.prefix}${String(i).padStart(4, '0')}`);
  const clients = await Promise.all(
    ids.map(async (deviceId) => {
      await ensureDevice(deviceId);
      return runDeviceApp({
        connectionString: `HostName=${hostName};DeviceId=${deviceId};SharedAccessKey=${keyOf(deviceId)};GatewayHostName=localhost:${values.port}`,
        ca,
        applyDelayMs: Number(values['apply-delay-ms']),
        log: (line) => console.log(`${deviceId}: ${line}`),
      });
    }),
  );
  console.log(`${clients.length} sample devices connected (${ids[0]} … ${ids.at(-1)}). Ctrl-C stops them.`);
  process.on('SIGINT', () => {
    void Promise.allSettled(clients.map((client) => client.close())).then(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
