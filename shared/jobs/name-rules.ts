import { JobValidationError } from './job-errors';

/**
 * The seed document's rule for property names used when initiating a job: US-ASCII printable characters
 * except `$ ( ) < > @ , ; : \ " / [ ] ? = { }`, space and horizontal tab.
 */
const SEED_FORBIDDEN = new Set([
  '$',
  '(',
  ')',
  '<',
  '>',
  '@',
  ',',
  ';',
  ':',
  '\\',
  '"',
  '/',
  '[',
  ']',
  '?',
  '=',
  '{',
  '}',
]);

/** Twin keys additionally may not contain `.` (IoT Hub twin rule). */
const TWIN_FORBIDDEN = new Set([...SEED_FORBIDDEN, '.']);

export const JOB_ID_PATTERN = /^[A-Za-z0-9._~-]{1,128}$/;
export const MAX_METHOD_NAME_LENGTH = 128;
export const MAX_TWIN_KEY_BYTES = 1024;

const utf8 = new TextEncoder();

/** UTF-8 byte length of a string. */
export function byteLength(text: string): number {
  return utf8.encode(text).length;
}

function firstForbiddenCharacter(name: string, forbidden: ReadonlySet<string>): string | undefined {
  for (const character of name) {
    const code = character.codePointAt(0) ?? 0;
    // Printable US-ASCII is 0x21..0x7E; space (0x20) and HT fall outside it.
    if (code < 0x21 || code > 0x7e || forbidden.has(character)) return character;
  }
  return undefined;
}

function describe(character: string): string {
  const code = character.codePointAt(0) ?? 0;
  return code >= 0x21 && code <= 0x7e
    ? `'${character}'`
    : `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Throws unless `name` follows the seed's character rule (method names, payload property names). */
export function assertSeedName(field: string, name: string): void {
  if (name.length === 0) throw new JobValidationError(field, 'a name may not be empty');
  const bad = firstForbiddenCharacter(name, SEED_FORBIDDEN);
  if (bad !== undefined)
    throw new JobValidationError(
      field,
      `the name '${name}' contains the forbidden character ${describe(bad)}`,
    );
}

/** Throws unless `key` is a valid twin key: the seed's rule, no `.`, at most 1 KB, not `__proto__`. */
export function assertTwinKey(field: string, key: string): void {
  if (key.length === 0) throw new JobValidationError(field, 'a twin key may not be empty');
  // JavaScript objects cannot hold `__proto__` as a plain key: it would vanish, so the job would change nothing.
  if (key === '__proto__') throw new JobValidationError(field, `the twin key '${key}' is reserved`);
  const bad = firstForbiddenCharacter(key, TWIN_FORBIDDEN);
  if (bad !== undefined)
    throw new JobValidationError(
      field,
      `the twin key '${key}' contains the forbidden character ${describe(bad)}`,
    );
  if (byteLength(key) > MAX_TWIN_KEY_BYTES)
    throw new JobValidationError(field, `a twin key may be at most ${MAX_TWIN_KEY_BYTES} bytes`);
}

/** Throws unless every property name inside `value` (objects nested in objects and arrays) follows the seed's rule. */
export function assertSeedNamesDeep(field: string, value: unknown): void {
  if (Array.isArray(value)) {
    value.forEach((item, index) => assertSeedNamesDeep(`${field}[${index}]`, item));
  } else if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      assertSeedName(field, key);
      assertSeedNamesDeep(`${field}.${key}`, item);
    }
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Throws unless `jobId` is 1–128 characters of `A-Z a-z 0-9 - . _ ~` (URL-safe: the SDK does not encode it). */
export function assertJobId(field: string, jobId: unknown): asserts jobId is string {
  if (typeof jobId !== 'string') throw new JobValidationError(field, 'must be a string');
  if (!JOB_ID_PATTERN.test(jobId)) {
    throw new JobValidationError(field, 'must be 1 to 128 characters of A-Z, a-z, 0-9, -, ., _ and ~');
  }
}
