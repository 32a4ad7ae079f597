/** What an `If-Match` header said: nothing, `*` (any version), or a specific etag. */
export type IfMatch = { kind: 'none' } | { kind: 'any' } | { kind: 'etag'; etag: string };

/** Strips a weak prefix and the quotes of an etag. */
export function unquoteEtag(etag: string): string {
  const trimmed = etag.startsWith('W/') ? etag.slice(2) : etag;
  return trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"')
    ? trimmed.slice(1, -1)
    : trimmed;
}

/** Reads an `If-Match` value (or an etag field) keeping the difference between absent and `*`. */
export function parseIfMatch(raw: string | null | undefined): IfMatch {
  const trimmed = raw?.trim();
  if (!trimmed) return { kind: 'none' };
  const etag = unquoteEtag(trimmed);
  return etag === '*' ? { kind: 'any' } : { kind: 'etag', etag };
}

/** The specific etag a precondition names; undefined for none or `*` (any version). */
export function requiredEtag(ifMatch: IfMatch): string | undefined {
  return ifMatch.kind === 'etag' ? ifMatch.etag : undefined;
}

/** A twin etag: base64 of the twin version, as IoT Hub's twin etags look (`AAAAAAAAAAE=`). */
export function versionEtag(version: number): string {
  const buffer = Buffer.alloc(8);
  buffer.writeBigUInt64BE(BigInt(version));
  return buffer.toString('base64');
}

/** A device etag: base64 of the generation and identity version, distinct from the twin etag. */
export function deviceEtag(identity: { generationId: string; identityVersion: number }): string {
  return Buffer.from(`${identity.generationId}:${identity.identityVersion}`).toString('base64');
}
