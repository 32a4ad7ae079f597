import fs from 'node:fs';
import path from 'node:path';
import { startHostProcess, type HostProcess } from '../../support/local-host-process';

export const repoRoot = path.resolve(__dirname, '../../..');

/** The development settings of local.settings.sample.json (its iothubowner policy included). */
export function sampleSettings(): Record<string, string> {
  const file = path.join(repoRoot, 'local.settings.sample.json');
  const { Values } = JSON.parse(fs.readFileSync(file, 'utf8')) as { Values: Record<string, string> };
  const { AzureWebJobsStorage: _storage, ...values } = Values;
  return values;
}

export function samplePolicy(): { name: string; key: string } {
  const policies = JSON.parse(sampleSettings().JOBS_ACCESS_POLICIES ?? '[]') as {
    name: string;
    key: string;
  }[];
  const owner = policies.find((policy) => policy.name === 'iothubowner');
  if (!owner) throw new Error('local.settings.sample.json has no iothubowner policy');
  return owner;
}

export function ownerConnectionString(): string {
  return `HostName=localhost;SharedAccessKeyName=iothubowner;SharedAccessKey=${samplePolicy().key}`;
}

export interface DeviceHost {
  host: HostProcess;
  port: number;
  connectionString: string;
}

/** Starts the app from dist/ with the sample settings (own in-memory Azurite) plus overrides. */
export async function startDeviceHost(env: Record<string, string> = {}): Promise<DeviceHost> {
  const host = await startHostProcess({
    appDir: repoRoot,
    env: { ...sampleSettings(), DEMO_FLEET_SIZE: '0', ...env },
  });
  return { host, port: Number(new URL(host.baseUrl).port), connectionString: ownerConnectionString() };
}
