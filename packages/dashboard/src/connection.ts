/** The parts of an IoT Hub-style service connection string the dashboard needs. */
export interface ServiceConnection {
  hostName: string;
  keyName: string;
  key: string;
}

/** Reads `HostName=…;SharedAccessKeyName=…;SharedAccessKey=…`; throws an Error saying what is missing. */
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

function base64ToBytes(base64: string): Uint8Array<ArrayBuffer> {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function bytesToBase64(bytes: ArrayBuffer): string {
  let binary = '';
  for (const byte of new Uint8Array(bytes)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

type Subtle = typeof crypto.subtle;
/** Web Crypto's CryptoKey (named through `crypto.subtle` so that Node's types and the DOM's both fit). */
export type SigningKey = Awaited<ReturnType<Subtle['importKey']>>;

/**
 * What the dashboard keeps of a sign-in: the host and policy names, and the policy key as a non-extractable Web
 * Crypto HMAC key (it can sign, but no script can read it back).
 */
export interface SigningIdentity {
  hostName: string;
  keyName: string;
  key: SigningKey;
}

/** Imports the connection's key as a non-extractable HMAC-SHA256 signing key; the raw key goes no further. */
export async function signingIdentity(
  connection: ServiceConnection,
  subtle: Subtle = crypto.subtle,
): Promise<SigningIdentity> {
  const key = await subtle.importKey(
    'raw',
    base64ToBytes(connection.key),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  return { hostName: connection.hostName, keyName: connection.keyName, key };
}

/**
 * A `SharedAccessSignature` Authorization value for the signed-in policy, as the IoT Hub SDKs build it:
 * base64(HMAC-SHA256(key, sr + "\n" + se)) with `sr` the URL-encoded host name, computed with Web Crypto.
 */
export async function createSasToken(
  identity: SigningIdentity,
  expiresAtSeconds: number,
  subtle: Subtle = crypto.subtle,
): Promise<string> {
  const sr = encodeURIComponent(identity.hostName);
  const se = String(expiresAtSeconds);
  const signature = await subtle.sign('HMAC', identity.key, new TextEncoder().encode(`${sr}\n${se}`));
  const sig = encodeURIComponent(bytesToBase64(signature));
  return `SharedAccessSignature sr=${sr}&sig=${sig}&se=${se}&skn=${encodeURIComponent(identity.keyName)}`;
}
