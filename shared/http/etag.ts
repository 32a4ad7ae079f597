/** The etag an `If-Match` header asks for, unquoted; undefined when absent or `*` (any version). */
export function readIfMatch(headers: { get(name: string): string | null }): string | undefined {
  const raw = headers.get('if-match')?.trim();
  if (!raw || raw === '*' || raw === '"*"') return undefined;
  return unquoteEtag(raw);
}

export function unquoteEtag(etag: string): string {
  const trimmed = etag.startsWith('W/') ? etag.slice(2) : etag;
  return trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"')
    ? trimmed.slice(1, -1)
    : trimmed;
}

export function quoteEtag(etag: string): string {
  return `"${etag}"`;
}
