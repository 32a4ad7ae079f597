import type { HttpRequest } from '@azure/functions';
import { unquoteEtag } from '../../shared/http';
import type { IfMatch } from '../../shared/devices/simulated/embedded-registry';

/** Reads If-Match keeping the difference between absent (create) and `*` (any version). */
export function ifMatchOf(request: HttpRequest): IfMatch {
  const raw = request.headers.get('if-match')?.trim();
  if (!raw) return { kind: 'none' };
  const etag = unquoteEtag(raw);
  return etag === '*' ? { kind: 'any' } : { kind: 'etag', etag };
}
