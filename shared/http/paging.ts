import type { PageRequest, RawPaging } from '../iothub-rules';
import { pageRequestOf } from '../schemas/paging.schema';
import { ArgumentInvalidError } from './iothub-errors';

type Lookup = { get(name: string): string | null };

/**
 * The paging a request carries: `x-ms-max-item-count` / `x-ms-continuation` headers, or the 2016 preview's
 * `pageSize` / `continuationToken` query parameters. The one reader of paging headers.
 */
export function readPaging(headers: Lookup, query: Lookup): RawPaging {
  const paging: RawPaging = {};
  const size = headers.get('x-ms-max-item-count') ?? query.get('pageSize');
  if (size !== null) paging.maxItemCount = size;
  const token = headers.get('x-ms-continuation') || query.get('continuationToken');
  if (token) paging.continuationToken = token;
  return paging;
}

/** The validated page of a request (page size capped at `limits.maxSize`); a bad page size is a 400. */
export function readPageRequest(
  headers: Lookup,
  query: Lookup,
  limits?: { defaultSize: number; maxSize: number },
): PageRequest {
  const page = pageRequestOf(readPaging(headers, query), limits);
  if ('problem' in page) throw new ArgumentInvalidError(`x-ms-max-item-count ${page.problem}.`);
  return page;
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
