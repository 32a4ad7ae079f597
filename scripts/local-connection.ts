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

export function parseConnectionString(value: string): { host: string; name: string; key: string } {
  const fields = new Map(
    value
      .split(';')
      .filter(Boolean)
      .map((part) => {
        const at = part.indexOf('=');
        return [part.slice(0, at), part.slice(at + 1)] as const;
      }),
  );
  const host = fields.get('HostName');
  const name = fields.get('SharedAccessKeyName');
  const key = fields.get('SharedAccessKey');
  if (!host || !name || !key)
    throw new Error('The connection string needs HostName, SharedAccessKeyName and SharedAccessKey.');
  return { host, name, key };
}
