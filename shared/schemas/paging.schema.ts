import * as v from 'valibot';
import { PAGE_LIMITS, type PageRequest, type RawPaging } from '../iothub-rules';
import { parseOrProblem } from '@device-jobs/client/schemas';

/**
 * Paging as requests carry it: the page size (`x-ms-max-item-count`, or the 2016 preview's `pageSize` query
 * parameter) and the continuation token (`x-ms-continuation` or `continuationToken`). Reasons name no field: the
 * header or parameter is named by the caller.
 */

const isPageSize = (text: string) => text === '' || (Number.isInteger(Number(text)) && Number(text) >= 1);

/** A page size as text: absent or blank is the default; larger than the maximum is capped to it. */
export const pageSizeSchema = (limits: { defaultSize: number; maxSize: number } = PAGE_LIMITS) =>
  v.pipe(
    v.optional(v.string()),
    v.description(
      `Items per page (the preview's name of the x-ms-max-item-count header): default ${limits.defaultSize}, ` +
        `at most ${limits.maxSize}`,
    ),
    v.check(
      (size) => size === undefined || isPageSize(size.trim()),
      (issue) => `must be a positive integer, got '${String(issue.input)}'`,
    ),
    v.transform((size) => {
      const text = size?.trim() ?? '';
      return text === '' ? limits.defaultSize : Math.min(Number(text), limits.maxSize);
    }),
  );

/** A continuation token (opened by the listing that issued it); empty counts as absent. */
export const ContinuationTokenSchema = v.pipe(
  v.optional(v.string()),
  v.description("The preview's name of the x-ms-continuation header: where the listing resumes"),
);

const DEFAULT_PAGE_SIZE = pageSizeSchema();

/** The paging query parameters of a listing (`GET /jobs/v2/query`, `GET /jobSchedules`, `POST /devices/query`). */
export const PagingParameters = { pageSize: pageSizeSchema(), continuationToken: ContinuationTokenSchema };

/** The page a request asks for (size capped at the maximum), or why its page size is refused. */
export function pageRequestOf(
  raw: RawPaging,
  limits?: { defaultSize: number; maxSize: number },
): PageRequest | { problem: string } {
  const size = typeof raw.maxItemCount === 'number' ? String(raw.maxItemCount) : raw.maxItemCount;
  const parsed = parseOrProblem(limits ? pageSizeSchema(limits) : DEFAULT_PAGE_SIZE, size, '');
  if ('problem' in parsed) return { problem: parsed.problem.reason };
  const maxItems = parsed.value;
  return raw.continuationToken ? { maxItems, continuationToken: raw.continuationToken } : { maxItems };
}
