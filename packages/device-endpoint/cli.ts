#!/usr/bin/env node
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as v from 'valibot';
import { startDeviceEndpoint } from './device-endpoint';
import { appEnvironment, readEndpointSettings } from './settings';

const USAGE = `Usage: device-endpoint start [--port 8883] [--host 127.0.0.1] [--cert-dir DIR] [--app DIR]

Serves IoT Hub's device protocol (MQTT 3.1.1 over TLS) for the devices of the embedded registry, reading the
app's settings like func-local: the environment first, then <app>/local.settings.json (AzureWebJobsStorage,
JOBS_HOST_NAME).`;

function fail(message: string): never {
  console.error(`device-endpoint: ${message}\n\n${USAGE}`);
  process.exit(2);
}

const PORT_RULE = '--port must be a whole number from 0 to 65535.';

/** `--port`: 0 (any free port) to 65535, as `Number` reads the text. */
const PortSchema = v.pipe(
  v.string(),
  v.transform(Number),
  v.number(PORT_RULE),
  v.integer(PORT_RULE),
  v.minValue(0, PORT_RULE),
  v.maxValue(65_535, PORT_RULE),
);

function portOf(value: string): number {
  const port = v.safeParse(PortSchema, value);
  if (!port.success) fail(port.issues[0].message);
  return port.output;
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        port: { type: 'string', default: '8883' },
        host: { type: 'string', default: '127.0.0.1' },
        'cert-dir': { type: 'string' },
        app: { type: 'string', default: process.cwd() },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error: unknown) {
    fail((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (positionals[0] !== 'start' || positionals.length > 1) fail('the one command is "start".');
  const appDir = path.resolve(values.app);
  let settings;
  try {
    settings = readEndpointSettings(appEnvironment(appDir));
  } catch (error: unknown) {
    fail((error as Error).message);
  }
  const certDir = path.resolve(values['cert-dir'] ?? path.join(appDir, '.device-endpoint'));
  const endpoint = await startDeviceEndpoint({
    ...settings,
    port: portOf(values.port),
    host: values.host,
    certDir,
  });
  console.log(
    [
      `Device endpoint ready: mqtts://${values.host}:${endpoint.port} (IoT Hub device protocol, MQTT 3.1.1 over TLS) for hub ${settings.hostName}`,
      `  CA certificate: ${endpoint.caPath}`,
      `  Trust it in device apps: NODE_EXTRA_CA_CERTS=${endpoint.caPath}`,
      `  Device connection string: HostName=${settings.hostName};DeviceId=<id>;SharedAccessKey=<key>;GatewayHostName=localhost:${endpoint.port}`,
    ].join('\n'),
  );
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    console.log(`${signal} received: closing device connections.`);
    setTimeout(() => process.exit(1), 10_000).unref();
    endpoint
      .stop()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        console.error(`Stopping failed: ${String(error)}`);
        process.exit(1);
      });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(
    `device-endpoint failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  process.exit(1);
});
