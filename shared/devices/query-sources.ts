import { ArgumentInvalidError } from '../http';
import type { PageRequest } from '../http/paging';
import type { Query, QuerySource } from '../query';

/** One page of query results, with the `x-ms-item-type` they are and the token of the next page, if any. */
export interface QueryPage {
  items: unknown[];
  itemType: string;
  /** Present only when another page exists. */
  continuation?: string;
}

/** Answers queries FROM one source (`devices`, `devices.modules`, `devices.jobs`). */
export type QuerySourceHandler = (query: Query, page: PageRequest) => Promise<QueryPage>;

/**
 * `POST /devices/query` serves several sources: the registry's twins, and device-job results that the jobs
 * domain plugs in. A source nobody serves is a 400.
 */
export async function dispatchQuery(
  handlers: Partial<Record<QuerySource, QuerySourceHandler>>,
  query: Query,
  page: PageRequest,
): Promise<QueryPage> {
  const handler = handlers[query.source];
  if (!handler) throw new ArgumentInvalidError(`Queries FROM ${query.source} are not supported here.`);
  return await handler(query, page);
}

/** Encodes a continuation token (opaque to clients). */
export function encodeContinuation(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Decodes a continuation token; a token that is not ours is a 400. */
export function decodeContinuation(token: string): unknown {
  try {
    return JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
  } catch {
    throw new ArgumentInvalidError('The continuation token is not valid.');
  }
}
