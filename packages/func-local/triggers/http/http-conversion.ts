import type { RpcHttpCookie, RpcTypedData } from '../../app/core-api';
import type { HostHttpRequest, HostHttpResponse } from '../../host/extension';

/**
 * The trigger data the Functions host sends for an HTTP request. The query is left out so that
 * `@azure/functions` reads it from the URL and keeps repeated keys.
 */
export function toRpcHttpRequest(request: HostHttpRequest, params: Record<string, string>): RpcTypedData {
  return {
    http: {
      method: request.method,
      url: request.url.toString(),
      headers: request.headers,
      params,
      body: request.body.length > 0 ? { bytes: request.body } : null,
    },
  };
}

function bodyOf(data: RpcTypedData | null | undefined): Buffer | string {
  if (!data) return '';
  if (data.bytes) return Buffer.from(data.bytes);
  if (typeof data.string === 'string') return data.string;
  if (typeof data.json === 'string') return data.json;
  if (typeof data.int === 'number') return String(data.int);
  if (typeof data.double === 'number') return String(data.double);
  return '';
}

const SAME_SITE: Record<string, string | undefined> = { lax: 'Lax', strict: 'Strict', explicitNone: 'None' };

/** Renders a cookie of the worker's protocol as a Set-Cookie header value (RFC 6265). */
export function toSetCookie(cookie: RpcHttpCookie): string {
  const attributes = [`${cookie.name ?? ''}=${cookie.value ?? ''}`];
  if (cookie.domain?.value) attributes.push(`Domain=${cookie.domain.value}`);
  if (cookie.path?.value) attributes.push(`Path=${cookie.path.value}`);
  const expiresSeconds = cookie.expires?.value?.seconds;
  if (typeof expiresSeconds === 'number') {
    attributes.push(`Expires=${new Date(expiresSeconds * 1000).toUTCString()}`);
  }
  if (typeof cookie.maxAge?.value === 'number') attributes.push(`Max-Age=${cookie.maxAge.value}`);
  if (cookie.secure?.value) attributes.push('Secure');
  if (cookie.httpOnly?.value) attributes.push('HttpOnly');
  const sameSite = SAME_SITE[cookie.sameSite ?? 'none'];
  if (sameSite) attributes.push(`SameSite=${sameSite}`);
  return attributes.join('; ');
}

/**
 * Turns a function's HTTP output into the response. No output at all answers 204, as the Functions host does
 * when an HTTP function returns nothing.
 */
export function fromRpcHttpResponse(data: RpcTypedData | null | undefined): HostHttpResponse {
  const http = data?.http;
  if (!http) {
    if (data && (data.string !== undefined || data.json !== undefined || data.bytes !== undefined)) {
      return { status: 200, body: bodyOf(data) };
    }
    return { status: 204 };
  }
  const status = Number(http.statusCode ?? '200');
  const headers: Record<string, string | string[]> = { ...(http.headers ?? {}) };
  const cookies = (http.cookies ?? []).map(toSetCookie);
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  return { status: Number.isInteger(status) ? status : 200, headers, body: bodyOf(http.body) };
}
