/**
 * `base64(HMAC-SHA256(base64-decoded key, text))`: the one primitive SAS signing needs. Web Crypto's in the browser
 * (`webCryptoHmac`), `node:crypto`'s in Node (`nodeCryptoHmac` from `@device-jobs/client/node`).
 */
export type HmacSha256 = (base64Key: string, text: string) => Promise<string>;

/** The parts of an IoT Hub-style service connection string a client needs. */
export interface ServiceConnection {
  hostName: string;
  keyName: string;
  key: string;
}

/** Something that gives a fresh `Authorization` header value for every request. */
export interface Authorizer {
  authorization(): Promise<string>;
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

/** HMAC-SHA256 with Web Crypto (browsers, and Node's global `crypto`). */
export const webCryptoHmac: HmacSha256 = async (base64Key, text) => {
  const key = await crypto.subtle.importKey(
    'raw',
    base64ToBytes(base64Key),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  return bytesToBase64(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(text)));
};

/**
 * A `SharedAccessSignature` Authorization value for the connection's policy, as the IoT Hub SDKs build it:
 * base64(HMAC-SHA256(key, sr + "\n" + se)) with `sr` the URL-encoded host name (or `resource`, a host name with a
 * path that scopes the token).
 */
export async function createSasToken(
  connection: ServiceConnection,
  expiresAtSeconds: number,
  hmac: HmacSha256 = webCryptoHmac,
  resource: string = connection.hostName,
): Promise<string> {
  const sr = encodeURIComponent(resource);
  const se = String(expiresAtSeconds);
  const sig = encodeURIComponent(await hmac(connection.key, `${sr}\n${se}`));
  return `SharedAccessSignature sr=${sr}&sig=${sig}&se=${se}&skn=${encodeURIComponent(connection.keyName)}`;
}

const TOKEN_LIFETIME_SECONDS = 3600;
const TOKEN_RENEW_MARGIN_SECONDS = 300;

/**
 * Signs requests with the connection's policy: one token, valid an hour, reused until five minutes before it
 * expires (the service checks `sr` against its own host name, whatever URL reaches it).
 */
export class SasAuthorizer implements Authorizer {
  private token: { value: string; expiresAt: number } | undefined;

  constructor(
    private readonly connection: ServiceConnection,
    private readonly hmac: HmacSha256 = webCryptoHmac,
    private readonly nowMs: () => number = () => Date.now(),
  ) {}

  async authorization(): Promise<string> {
    const now = Math.floor(this.nowMs() / 1000);
    if (!this.token || this.token.expiresAt - now < TOKEN_RENEW_MARGIN_SECONDS) {
      const expiresAt = now + TOKEN_LIFETIME_SECONDS;
      this.token = { value: await createSasToken(this.connection, expiresAt, this.hmac), expiresAt };
    }
    return this.token.value;
  }
}
