import type { ServiceConnection } from './sas';

/**
 * Reads `HostName=…;SharedAccessKeyName=…;SharedAccessKey=…` (names case-insensitive, other fields ignored); throws
 * an Error saying what is missing or malformed.
 */
export function parseConnectionString(text: string): ServiceConnection {
  const fields = new Map<string, string>();
  for (const part of text.trim().split(';')) {
    if (part.trim() === '') continue;
    const separator = part.indexOf('=');
    if (separator <= 0) throw new Error(`"${part}" is not a Name=value pair.`);
    fields.set(part.slice(0, separator).trim().toLowerCase(), part.slice(separator + 1).trim());
  }
  const hostName = fields.get('hostname');
  const keyName = fields.get('sharedaccesskeyname');
  const key = fields.get('sharedaccesskey');
  const missing = [
    hostName ? undefined : 'HostName',
    keyName ? undefined : 'SharedAccessKeyName',
    key ? undefined : 'SharedAccessKey',
  ].filter((name): name is string => name !== undefined);
  if (!hostName || !keyName || !key) {
    throw new Error(`The connection string has no ${missing.join(', ')}.`);
  }
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(key) || key.length % 4 !== 0) {
    throw new Error('SharedAccessKey is not base64.');
  }
  return { hostName, keyName, key };
}
