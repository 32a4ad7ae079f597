import { isPlainObject } from './json-values';

/** Paging asked for by a request, as every listing port takes it. */
export interface PageRequest {
  /** Items per page, at least 1. */
  maxItems: number;
  /** The opaque token of a previous page; absent for the first page. */
  continuationToken?: string;
}

/** One page of a listing; `continuationToken` is present only when another page exists. */
export interface Page<T> {
  items: T[];
  continuationToken?: string;
}

/** Paging as a request carried it (header or preview query parameter), unvalidated. */
export interface RawPaging {
  maxItemCount?: string | number;
  continuationToken?: string;
}

/** IoT Hub pages by 100 by default; this service allows pages of up to 1,000 for bulk readers. */
export const PAGE_LIMITS = { defaultSize: 100, maxSize: 1000 } as const;

/**
 * A 32-bit FNV-1a digest. Continuation tokens are not secrets (they only say where a listing resumes, within what
 * the caller may read anyway); the digest makes a token this service did not issue (typed, truncated, edited, or
 * issued by another listing) detectable, so it is refused with 400 instead of reaching storage.
 */
function digest(text: string): string {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(36);
}

/** Issues a continuation token for listing `kind` that resumes at `position` (any JSON value). */
export function sealContinuation(kind: string, position: unknown): string {
  const json = JSON.stringify(position);
  return `${Buffer.from(json).toString('base64url')}.${digest(`${kind}\n${json}`)}`;
}

/** The position a token of listing `kind` carries; undefined when this service did not issue it for `kind`. */
export function openContinuation(kind: string, token: string): { position: unknown } | undefined {
  const separator = token.lastIndexOf('.');
  if (separator <= 0) return undefined;
  const body = token.slice(0, separator);
  if (!/^[A-Za-z0-9_-]+$/.test(body)) return undefined;
  const json = Buffer.from(body, 'base64url').toString('utf8');
  if (digest(`${kind}\n${json}`) !== token.slice(separator + 1)) return undefined;
  try {
    return { position: JSON.parse(json) as unknown };
  } catch {
    return undefined;
  }
}

/** Reads a sealed position that must be an object; undefined when the token is not one this listing issued. */
export function openContinuationObject(kind: string, token: string): Record<string, unknown> | undefined {
  const opened = openContinuation(kind, token);
  return opened && isPlainObject(opened.position) ? opened.position : undefined;
}

export const CONTINUATION_REFUSED = 'is not a continuation token this listing issued';
