import { createSasToken, DeviceJobsClient, SasAuthorizer } from '@device-jobs/client';
import { nodeCryptoHmac } from '@device-jobs/client/node';
import { JobClient, Registry } from 'azure-iothub';
import { usePlainHttp, type PlainHttpAgent } from '../../../shared/devices/iothub/plain-http-agent';
import { samplePolicy, startDeviceHost, type DeviceHost } from '../devices/device-host';

/** A bulk registry entry (`POST /devices`) with the embedded registry's `simulation` extension. */
export interface FleetEntry {
  id: string;
  tags: Record<string, unknown>;
  simulation?: Record<string, unknown>;
}

/** The app served by the local host, with the official SDK's clients on plain HTTP, the project's client and a raw HTTP helper. */
export interface JobsHost {
  running: DeviceHost;
  jobClient: JobClient;
  registry: Registry;
  /** The project's typed client, signed with the sample's iothubowner policy. */
  client: DeviceJobsClient;
  /** A request signed with `policy` (default: the sample's iothubowner), whatever it answers. */
  http(
    method: string,
    path: string,
    options?: { body?: unknown; headers?: Record<string, string>; policy?: { name: string; key: string } },
  ): Promise<Response>;
  stop(): Promise<void>;
}

/** A SAS token of `policy` (default: the sample's iothubowner) for the local host, valid an hour. */
export function ownerToken(policy: { name: string; key: string } = samplePolicy()): Promise<string> {
  const connection = { hostName: 'localhost', keyName: policy.name, key: policy.key };
  return createSasToken(connection, Math.ceil(Date.now() / 1000) + 3600, nodeCryptoHmac);
}

function clientFor(baseUrl: string, policy: { name: string; key: string }): DeviceJobsClient {
  const connection = { hostName: 'localhost', keyName: policy.name, key: policy.key };
  return new DeviceJobsClient({ baseUrl, authorizer: new SasAuthorizer(connection, nodeCryptoHmac) });
}

/**
 * Starts the app (own in-memory Azurite) with quick simulated devices: 1–5 ms per method unless a device's
 * profile says otherwise.
 */
export async function startJobsHost(env: Record<string, string> = {}): Promise<JobsHost> {
  const running = await startDeviceHost({
    SIMULATION_DEFAULT_PROFILE: '{"latencyMs":[1,5],"failureRate":0}',
    SIMULATION_SEED: 'jobs-e2e',
    ...env,
  });
  const jobClient = JobClient.fromConnectionString(running.connectionString);
  const registry = Registry.fromConnectionString(running.connectionString);
  const agents: PlainHttpAgent[] = [
    usePlainHttp(jobClient, running.port),
    usePlainHttp(registry, running.port),
  ];
  const base = running.host.baseUrl;
  const client = clientFor(base, samplePolicy());
  return {
    running,
    jobClient,
    registry,
    client,
    http: (method, path, options = {}) =>
      (options.policy ? clientFor(base, options.policy) : client).send(method, path, {
        body: options.body,
        headers: options.headers,
      }),
    async stop() {
      for (const agent of agents) agent.destroy();
      await running.host.stop();
    },
  };
}

/** Creates devices through the bulk API, 1,000 per request. */
export async function seedFleet(host: JobsHost, entries: readonly FleetEntry[]): Promise<void> {
  for (let start = 0; start < entries.length; start += 1000) {
    const batch = entries
      .slice(start, start + 1000)
      .map((entry) => ({ ...entry, importMode: 'create', status: 'enabled' }));
    const response = await host.http('POST', '/devices?api-version=2021-04-12', { body: batch });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`seeding failed: ${response.status} ${text}`);
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
