import { randomBytes, timingSafeEqual } from 'node:crypto';
import os from 'node:os';
import type { HostHttpRequest, HostHttpResponse } from '../host/extension';

const SAFE_METHODS = ['GET', 'HEAD', 'OPTIONS'];
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];
const WILDCARDS = ['0.0.0.0', '::', '[::]'];

function isLoopback(address: string): boolean {
  const host = address.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

const bracketed = (address: string) =>
  address.includes(':') && !address.startsWith('[') ? `[${address}]` : address;

/**
 * The `Host` values a request to the listener may carry: the listening address (loopback names when it is
 * loopback; this machine's names and interface addresses when it is every interface), with the port.
 */
export function allowedHosts(listenAddress: string, port: number): Set<string> {
  const address = listenAddress.toLowerCase();
  const names = new Set<string>([bracketed(address)]);
  if (isLoopback(address) || WILDCARDS.includes(address)) for (const name of LOOPBACK_NAMES) names.add(name);
  if (WILDCARDS.includes(address)) {
    names.add(os.hostname().toLowerCase());
    for (const nics of Object.values(os.networkInterfaces())) {
      for (const nic of nics ?? []) names.add(bracketed(nic.address.toLowerCase()));
    }
  }
  return new Set([...names].map((name) => `${name}:${port}`));
}

function sameKey(presented: string, key: string): boolean {
  const expected = Buffer.from(key);
  const actual = Buffer.from(presented);
  const comparable = actual.length === expected.length ? actual : Buffer.alloc(expected.length);
  return timingSafeEqual(comparable, expected) && actual.length === expected.length;
}

const refusal = (status: number, message: string): HostHttpResponse => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: JSON.stringify({ message }),
});

/**
 * Guards the durable management API as Azure's front end and host do: the `durabletask_extension` system key as
 * `code=` (a fresh key per start here), or the client's RPC path that carries the key; a `Host` that is the
 * listening address (a DNS-rebinding page names its own host); and, on state-changing requests, no cross-site
 * `Origin` or `Sec-Fetch-Site` (a page the developer opens could POST a terminate without a preflight).
 */
export class ManagementGuard {
  /** The per-start system key. */
  readonly key = randomBytes(32).toString('base64url');
  private readonly hosts: Set<string>;

  constructor(listenAddress: string, port: number) {
    this.hosts = allowedHosts(listenAddress, port);
  }

  /** The path segment under which the durable client's RPC calls come in (its URLs get no query string added). */
  get rpcSegment(): string {
    return `rpc/${this.key}/`;
  }

  /**
   * Undefined when the request may go on (with the RPC segment taken off its path), or the refusal to answer:
   * 400 for a foreign Host, 403 for a cross-site state change, 401 without the key.
   */
  check(
    request: HostHttpRequest,
    prefix: string,
  ): { refusal: HostHttpResponse } | { request: HostHttpRequest } {
    const host = (request.headers.host ?? '').toLowerCase();
    if (!this.hosts.has(host)) return { refusal: refusal(400, `Bad Request - Invalid Hostname ${host}`) };
    if (!SAFE_METHODS.includes(request.method.toUpperCase()) && this.crossSite(request)) {
      return { refusal: refusal(403, 'Cross-site requests may not change durable instances.') };
    }
    const { pathname } = request.url;
    const rpc = `${prefix}rpc/`;
    if (pathname.startsWith(rpc)) {
      const rest = pathname.slice(rpc.length);
      const slash = rest.indexOf('/');
      if (slash > 0 && sameKey(rest.slice(0, slash), this.key)) {
        const url = new URL(request.url);
        url.pathname = `${prefix}${rest.slice(slash + 1)}`;
        return { request: { ...request, url } };
      }
      return { refusal: refusal(401, 'Unauthorized.') };
    }
    const code = request.url.searchParams.get('code');
    if (code === null || !sameKey(code, this.key)) return { refusal: refusal(401, 'Unauthorized.') };
    return { request };
  }

  private crossSite(request: HostHttpRequest): boolean {
    const site = request.headers['sec-fetch-site']?.toLowerCase();
    if (site !== undefined && site !== 'same-origin' && site !== 'none') return true;
    const origin = request.headers.origin;
    if (origin === undefined) return false;
    try {
      const url = new URL(origin);
      return url.protocol !== 'http:' || !this.hosts.has(url.host.toLowerCase());
    } catch {
      return true;
    }
  }
}
