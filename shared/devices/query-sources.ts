import { ArgumentInvalidError } from '../http';
import type { Page, PageRequest } from '../iothub-rules';
import type { Query, QuerySource } from '../query';

/** One page of query results, with the `x-ms-item-type` they are; the token is present only when more exist. */
export interface QueryPage extends Page<unknown> {
  itemType: string;
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
