const utf8 = new TextEncoder();

/** UTF-8 byte length of a string (IoT Hub measures every limit in UTF-8 bytes). */
export function byteLength(text: string): number {
  return utf8.encode(text).length;
}

/** Bytes of a value serialised as JSON. */
export function jsonByteLength(value: unknown): number {
  return byteLength(JSON.stringify(value) ?? '');
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Why a rule refused an input: the offending field (dotted path) and the reason, for an `ArgumentInvalid`. */
export interface RuleProblem {
  field: string;
  reason: string;
}
