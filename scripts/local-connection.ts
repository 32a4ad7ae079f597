import fs from 'node:fs';
import path from 'node:path';

/** The connection string of the iothubowner policy from local.settings.json (or the sample). */
export function defaultConnectionString(): string | undefined {
  for (const file of ['local.settings.json', 'local.settings.sample.json']) {
    const full = path.resolve(file);
    if (!fs.existsSync(full)) continue;
    const { Values } = JSON.parse(fs.readFileSync(full, 'utf8')) as { Values?: Record<string, string> };
    const policies = JSON.parse(Values?.JOBS_ACCESS_POLICIES ?? '[]') as { name: string; key: string }[];
    const owner = policies.find((p) => p.name === 'iothubowner');
    if (owner)
      return `HostName=${Values?.JOBS_HOST_NAME ?? 'localhost'};SharedAccessKeyName=${owner.name};SharedAccessKey=${owner.key}`;
  }
  return undefined;
}
