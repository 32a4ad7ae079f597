import { ArgumentInvalidError } from './iothub-errors';

/** Paging asked for by a request. */
export interface PageRequest {
  /** Items per page, within 1..maximum. */
  maxItemCount: number;
  /** Opaque token from a previous page's `x-ms-continuation`; undefined for the first page. */
  continuation: string | undefined;
}

/** Reads `x-ms-max-item-count` / `x-ms-continuation` (and the 2016 preview's `pageSize` / `continuationToken`). */
export function readPageRequest(
  headers: { get(name: string): string | null },
  query: { get(name: string): string | null },
  limits: { defaultSize: number; maxSize: number },
): PageRequest {
  const rawSize = headers.get('x-ms-max-item-count') ?? query.get('pageSize');
  let maxItemCount = limits.defaultSize;
  if (rawSize !== null && rawSize.trim() !== '') {
    const size = Number(rawSize);
    if (!Number.isInteger(size) || size < 1) {
      throw new ArgumentInvalidError(`x-ms-max-item-count must be a positive integer, got '${rawSize}'.`);
    }
    maxItemCount = Math.min(size, limits.maxSize);
  }
  const continuation = headers.get('x-ms-continuation') ?? query.get('continuationToken') ?? '';
  return { maxItemCount, continuation: continuation === '' ? undefined : continuation };
}

/**
 * Headers of a page: `x-ms-item-type` always, `x-ms-continuation` only when another page exists (the Node SDK
 * treats any such header, even empty, as "more").
 */
export function pageHeaders(itemType: string, nextContinuation: string | undefined): Record<string, string> {
  const headers: Record<string, string> = { 'x-ms-item-type': itemType };
  if (nextContinuation !== undefined && nextContinuation !== '')
    headers['x-ms-continuation'] = nextContinuation;
  return headers;
}
