import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { UnauthorizedAccessError } from './iothub-errors';

/** The permissions of an IoT Hub shared access policy. */
export const ACCESS_RIGHTS = ['RegistryRead', 'RegistryWrite', 'ServiceConnect', 'DeviceConnect'] as const;
export type AccessRight = (typeof ACCESS_RIGHTS)[number];

/** The rights an endpoint needs: all of a list, or any one of a list. */
export type RightsRequirement = { allOf: readonly AccessRight[] } | { anyOf: readonly AccessRight[] };

function satisfies(granted: readonly AccessRight[], requirement: RightsRequirement): boolean {
  if ('allOf' in requirement) return requirement.allOf.every((right) => granted.includes(right));
  return requirement.anyOf.some((right) => granted.includes(right));
}

/**
 * A shared access policy: its name (`skn`), its base64 keys and what it may do. As on IoT Hub, a policy has a
 * primary and an optional secondary key and a token signed with either is valid, so keys rotate without downtime.
 */
export interface AccessPolicy {
  name: string;
  /** The primary key (base64). */
  key: string;
  /** The secondary key (base64), when the policy has one. */
  secondaryKey?: string;
  rights: readonly AccessRight[];
}

/** The fields of a `SharedAccessSignature sr=…&sig=…&se=…&skn=…` token, `sr` and `sig` as they appear on the wire. */
export interface SasToken {
  sr: string;
  sig: string;
  se: string;
  skn: string;
}

const PREFIX = 'sharedaccesssignature ';

function safeDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

/** The fields of a SAS token (`skn` absent in a token signed with a device's own key); undefined when malformed. */
function parseSasFields(header: string | null | undefined): Map<string, string> | undefined {
  if (!header || !header.toLowerCase().startsWith(PREFIX)) return undefined;
  const fields = new Map<string, string>();
  for (const part of header.slice(PREFIX.length).trim().split('&')) {
    const separator = part.indexOf('=');
    if (separator <= 0) return undefined;
    const name = part.slice(0, separator);
    if (fields.has(name)) return undefined;
    fields.set(name, part.slice(separator + 1));
  }
  return fields;
}

/** Parses an Authorization header value; undefined when it is not a well-formed SAS token. */
export function parseSasToken(header: string | null | undefined): SasToken | undefined {
  const fields = parseSasFields(header);
  const sr = fields?.get('sr');
  const sig = fields?.get('sig');
  const se = fields?.get('se');
  const skn = fields?.get('skn');
  if (!sr || !sig || !se || !skn) return undefined;
  return { sr, sig, se, skn };
}

/** base64(HMAC-SHA256(base64-decoded key, `sr + "\n" + se`)): the signature IoT Hub expects. */
export function signSas(key: string, sr: string, se: string): string {
  return createHmac('sha256', Buffer.from(key, 'base64')).update(`${sr}\n${se}`).digest('base64');
}

/** A token for a policy, as the SDKs build it (handy for tests and scripts). */
export function createSasToken(
  hostName: string,
  policy: { name: string; key: string },
  expiry: number,
): string {
  const se = String(expiry);
  const sig = encodeURIComponent(signSas(policy.key, hostName, se));
  return `SharedAccessSignature sr=${hostName}&sig=${sig}&se=${se}&skn=${encodeURIComponent(policy.name)}`;
}

/** Whether `token.sig` is the signature of `sr` and `se` with `key` (compared in constant time). */
function signatureMatches(key: string, token: { sr: string; sig: string; se: string }): boolean {
  return sameSignature(safeDecode(token.sig) ?? '', signSas(key, token.sr, token.se));
}

function notExpired(se: string, now: number): boolean {
  if (!/^\d{1,15}$/.test(se)) return false;
  return Number(se) * 1000 > now;
}

/** The host part of a resource or user name, lower-cased, without a port (`Localhost:8883` -> `localhost`). */
function hostWithoutPort(host: string): string {
  return host.toLowerCase().replace(/:\d{1,5}$/, '');
}

/** What a device's token is checked against: the hub's host name, the device and its symmetric keys. */
export interface DeviceTokenCheck {
  hostName: string;
  deviceId: string;
  /** The device's primary and secondary keys (base64). */
  keys: readonly string[];
  now: number;
}

/**
 * Checks a device SAS token (the password of a device's MQTT CONNECT) as IoT Hub does: resource
 * `<host>[:port]/devices/<deviceId>` (URL-decoded; the host case-insensitive, the device id exact), signed with one of the device's keys, not
 * expired. Fields in any order; `skn` must be absent (a device's own key signs it).
 */
export function deviceTokenValid(password: string | undefined, check: DeviceTokenCheck): boolean {
  const fields = parseSasFields(password);
  const sr = fields?.get('sr');
  const sig = fields?.get('sig');
  const se = fields?.get('se');
  if (!fields || !sr || !sig || !se || fields.has('skn')) return false;
  const resource = safeDecode(sr);
  const separator = resource?.indexOf('/') ?? -1;
  if (resource === undefined || separator <= 0) return false;
  const host = hostWithoutPort(resource.slice(0, separator));
  if (host !== hostWithoutPort(check.hostName)) return false;
  // The host is case-insensitive, device ids are not (IoT Hub's ids are case-sensitive).
  if (resource.slice(separator) !== `/devices/${check.deviceId}`) return false;
  if (!notExpired(se, check.now)) return false;
  // Every key is tried, so the time taken does not tell which one matched.
  const matches = check.keys.map((key) => key.length > 0 && signatureMatches(key, { sr, sig, se }));
  return matches.includes(true);
}

/** Whether an MQTT user name `<host>[:port]/<deviceId>/?api-version=…` names this hub and device. */
export function deviceUserNameValid(
  userName: string | undefined,
  hostName: string,
  deviceId: string,
): boolean {
  if (userName === undefined) return false;
  // Device ids hold no '/': the first two segments are the host and the device, api-version and more follow.
  const [host = '', device] = userName.split('/');
  return hostWithoutPort(host) === hostWithoutPort(hostName) && device === deviceId;
}

/** The path's segments, each percent-decoded once; undefined when one cannot be decoded. */
function decodedSegments(path: string): string[] | undefined {
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '') continue;
    const decoded = safeDecode(segment);
    if (decoded === undefined) return undefined;
    segments.push(decoded);
  }
  return segments;
}

/**
 * Checks SharedAccessSignature tokens as IoT Hub does: known policy, signature (constant-time, primary or
 * secondary key), expiry, resource and rights. The resource `sr` is the host name, optionally followed by a path
 * that scopes the token to the request paths below it (`host/devices/dev1` allows `/devices/dev1/...` only). The
 * host compares case-insensitively; the path compares segment by segment, decoded and case-sensitively (device
 * ids are case-sensitive). Every failure throws the same `UnauthorizedAccessError`, which says nothing about
 * which check failed, and an unknown policy name costs the same work as a wrong signature.
 */
export class SasAuthorizer {
  private readonly policies: ReadonlyMap<string, AccessPolicy>;
  private readonly hostName: string;
  /** Signs tokens of unknown policies, so that they cost what a known policy's wrong signature costs. */
  private readonly decoy: AccessPolicy = {
    name: '',
    key: randomBytes(32).toString('base64'),
    secondaryKey: randomBytes(32).toString('base64'),
    rights: [],
  };

  constructor(
    policies: readonly AccessPolicy[],
    hostName: string,
    private readonly now: () => number = Date.now,
  ) {
    this.policies = new Map(policies.map((policy) => [policy.name, policy]));
    this.hostName = hostName.toLowerCase();
  }

  /** Returns the policy name when the token grants the required rights on the path; throws otherwise. */
  authorize(header: string | null | undefined, requestPath: string, required: RightsRequirement): string {
    const token = parseSasToken(header);
    const skn = token ? safeDecode(token.skn) : undefined;
    const known = skn === undefined ? undefined : this.policies.get(skn);
    const policy = known ?? this.decoy;
    const signed = token !== undefined && this.signatureMatches(policy, token);
    const valid =
      token !== undefined &&
      known !== undefined &&
      signed &&
      this.notExpired(token.se) &&
      this.coversResource(token.sr, requestPath) &&
      satisfies(known.rights, required);
    if (!valid || !known) throw new UnauthorizedAccessError();
    return known.name;
  }

  /** Compares with both keys every time (a secondary-less policy compares its primary twice): no key is faster. */
  private signatureMatches(policy: AccessPolicy, token: SasToken): boolean {
    const presented = safeDecode(token.sig) ?? '';
    const primary = sameSignature(presented, signSas(policy.key, token.sr, token.se));
    const secondary = sameSignature(
      presented,
      signSas(policy.secondaryKey ?? policy.key, token.sr, token.se),
    );
    return primary || secondary;
  }

  private notExpired(se: string): boolean {
    return notExpired(se, this.now());
  }

  private coversResource(sr: string, requestPath: string): boolean {
    const decoded = safeDecode(sr);
    if (decoded === undefined) return false;
    const resource = decoded.replace(/^https?:\/\//i, '').replace(/\/+$/, '');
    const slash = resource.indexOf('/');
    const host = slash < 0 ? resource : resource.slice(0, slash);
    if (host.toLowerCase() !== this.hostName) return false;
    if (slash < 0) return true;
    // The SDKs encode the whole resource once (`encodeURIComponent(host + "/devices/" + id)`), so after that one
    // decoding the scope's segments are the ids themselves; the request path's segments are decoded once too.
    const scope = resource
      .slice(slash + 1)
      .split('/')
      .filter((segment) => segment !== '');
    const path = decodedSegments(requestPath);
    if (path === undefined || path.length < scope.length) return false;
    return scope.every((segment, index) => segment === path[index]);
  }
}

/** Constant-time comparison of two signatures of any lengths. */
function sameSignature(presented: string, expected: string): boolean {
  const expectedBytes = Buffer.from(expected, 'utf8');
  const actual = Buffer.from(presented, 'utf8');
  // timingSafeEqual needs equal lengths; compare against the expected value anyway so timing does not vary.
  const comparable = actual.length === expectedBytes.length ? actual : Buffer.alloc(expectedBytes.length);
  return timingSafeEqual(comparable, expectedBytes) && actual.length === expectedBytes.length;
}
