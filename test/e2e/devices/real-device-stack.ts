import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { Client, type Twin } from 'azure-iot-device';
import { Mqtt } from 'azure-iot-device-mqtt';
import { JobClient, Registry } from 'azure-iothub';
import { startAzurite, type RunningAzurite } from '../../../packages/func-local/storage/azurite';
import { startDeviceEndpoint, type DeviceEndpoint } from '../../../packages/device-endpoint/device-endpoint';
import { usePlainHttp, type PlainHttpAgent } from '../../../shared/devices/iothub/plain-http-agent';
import { startHostProcess, type HostProcess } from '../../support/local-host-process';
import { ownerToken } from '../jobs/jobs-host';
import { ownerConnectionString, repoRoot, sampleSettings } from './device-host';

/** Azurite, app hosts and one device endpoint on the same storage, with the official SDK's service clients. */
export interface RealDeviceStack {
  azurite: RunningAzurite;
  hosts: HostProcess[];
  endpoint: DeviceEndpoint;
  certDir: string;
  endpointLog: string[];
  jobClient: JobClient;
  registry: Registry;
  /** A request to host `hostIndex` (default 0) with a fresh iothubowner token. */
  http(
    method: string,
    path: string,
    body?: unknown,
    hostIndex?: number,
    headers?: Record<string, string>,
  ): Promise<Response>;
  /** Stops the endpoint and starts a new one on the same port (what a restart looks like to devices). */
  restartEndpoint(): Promise<void>;
  stop(): Promise<void>;
}

export async function startRealDeviceStack(hostCount: number): Promise<RealDeviceStack> {
  const azurite = await startAzurite({ inMemory: true });
  const storage = { kind: 'connectionString' as const, connectionString: azurite.connectionString };
  const certDir = fs.mkdtempSync(path.join(os.tmpdir(), 'device-endpoint-'));
  const endpointLog: string[] = [];
  const startEndpoint = (port: number) =>
    startDeviceEndpoint({
      storage,
      hostName: 'localhost',
      defaultSimulation: {},
      port,
      host: '127.0.0.1',
      certDir,
      log: (line) => endpointLog.push(line),
    });
  const [endpoint, ...hosts] = await Promise.all([
    startEndpoint(0),
    ...Array.from({ length: hostCount }, () =>
      startHostProcess({
        appDir: repoRoot,
        storageConnectionString: azurite.connectionString,
        env: {
          ...sampleSettings(),
          DEMO_FLEET_SIZE: '0',
          SIMULATION_DEFAULT_PROFILE: '{"latencyMs":[1,5],"failureRate":0}',
        },
      }),
    ),
  ]);
  const port = (index: number) => Number(new URL(hosts[index]?.baseUrl ?? '').port);
  const jobClient = JobClient.fromConnectionString(ownerConnectionString());
  const registry = Registry.fromConnectionString(ownerConnectionString());
  const agents: PlainHttpAgent[] = [usePlainHttp(jobClient, port(0)), usePlainHttp(registry, port(0))];
  const stack: RealDeviceStack = {
    azurite,
    hosts,
    endpoint: endpoint,
    certDir,
    endpointLog,
    jobClient,
    registry,
    http: async (method, requestPath, body, hostIndex = 0, headers = {}) =>
      fetch(`${hosts[hostIndex]?.baseUrl ?? ''}${requestPath}`, {
        method,
        headers: { Authorization: await ownerToken(), 'Content-Type': 'application/json', ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    async restartEndpoint() {
      const { port: endpointPort } = stack.endpoint;
      await stack.endpoint.stop();
      stack.endpoint = await startEndpoint(endpointPort);
    },
    async stop() {
      for (const agent of agents) agent.destroy();
      await stack.endpoint.stop().catch(() => undefined);
      await Promise.all(hosts.map((host) => host.stop()));
      await azurite.stop();
      fs.rmSync(certDir, { recursive: true, force: true });
    },
  };
  return stack;
}

/** A device key, deterministic per device id (base64 of 32 bytes). */
export function deviceKey(deviceId: string): string {
  return Buffer.alloc(32, deviceId).toString('base64');
}

/** Creates enabled devices with SAS keys through the bulk API. */
export async function createDevices(
  stack: RealDeviceStack,
  devices: readonly { id: string; tags?: Record<string, unknown>; status?: string }[],
): Promise<void> {
  const body = devices.map((device) => ({
    id: device.id,
    importMode: 'create',
    status: device.status ?? 'enabled',
    tags: device.tags ?? {},
    authentication: {
      type: 'sas',
      symmetricKey: { primaryKey: deviceKey(device.id), secondaryKey: deviceKey(`${device.id}-2`) },
    },
  }));
  const response = await stack.http('POST', '/devices?api-version=2021-04-12', body);
  if (response.status !== 200)
    throw new Error(`creating devices: ${response.status} ${await response.text()}`);
}

export function connectionString(deviceId: string, port: number, key = deviceKey(deviceId)): string {
  return `HostName=localhost;DeviceId=${deviceId};SharedAccessKey=${key};GatewayHostName=localhost:${port}`;
}

/** An official device client over MQTT/TLS trusting the endpoint's CA, not yet open. */
export async function deviceClient(stack: RealDeviceStack, deviceId: string, key?: string): Promise<Client> {
  const client = Client.fromConnectionString(connectionString(deviceId, stack.endpoint.port, key), Mqtt);
  await client.setOptions({ ca: stack.endpoint.ca });
  return client;
}

/** A connected device app: counts its method calls, applies desired `firmware` and reports it back. */
export interface DeviceApp {
  deviceId: string;
  client: Client;
  twin: Twin;
  methodCalls: unknown[];
  desiredPatches: Record<string, unknown>[];
}

export async function connectDeviceApp(
  stack: RealDeviceStack,
  deviceId: string,
  options: {
    onReboot?: (app: DeviceApp) => Promise<{ status: number; payload: unknown } | undefined>;
    /** false: the app takes desired changes but never reports `firmware` back. */
    reportsFirmware?: boolean;
  } = {},
): Promise<DeviceApp> {
  const client = await deviceClient(stack, deviceId);
  await client.open();
  const methodCalls: unknown[] = [];
  const desiredPatches: Record<string, unknown>[] = [];
  const app = { deviceId, client, methodCalls, desiredPatches } as unknown as DeviceApp;
  client.onDeviceMethod('reboot', (request, response) => {
    methodCalls.push(request.payload);
    void (async () => {
      const answer = options.onReboot
        ? await options.onReboot(app)
        : { status: 200, payload: { rebootedBy: deviceId, got: request.payload as unknown } };
      if (answer) response.send(answer.status, answer.payload, () => undefined);
    })();
  });
  app.twin = await client.getTwin();
  app.twin.on('properties.desired', (patch: Record<string, unknown>) => {
    desiredPatches.push(patch);
    if (typeof patch.firmware === 'string' && options.reportsFirmware !== false) {
      const reported = app.twin.properties.reported as {
        update(patch: Record<string, unknown>, done: () => void): void;
      };
      reported.update({ firmware: patch.firmware }, () => undefined);
    }
  });
  return app;
}
