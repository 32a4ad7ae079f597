import { parseIfMatch, type IfMatch } from '../iothub-rules';

/** The request's `If-Match` precondition: none, `*` (any version) or a specific etag. */
export function readIfMatch(headers: { get(name: string): string | null }): IfMatch {
  return parseIfMatch(headers.get('if-match'));
}
