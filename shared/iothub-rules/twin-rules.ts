import { byteLength, isPlainObject, jsonByteLength, type RuleProblem } from './json-values';

/** IoT Hub's twin limits (bytes of UTF-8 JSON, nesting levels). */
export const TWIN_LIMITS = {
  tagsBytes: 8 * 1024,
  desiredBytes: 32 * 1024,
  reportedBytes: 32 * 1024,
  /** Objects below a section: `desired.one.two…ten.property` is the deepest IoT Hub accepts. */
  maxDepth: 10,
  keyBytes: 1024,
  stringBytes: 4 * 1024,
} as const;

/**
 * Which key rule a twin change follows. They differ on purpose, and only here:
 * - `twin` (`PATCH`/`PUT /twins/{id}`, bulk registry entries, the gateway): IoT Hub's twin key rule, UTF-8 keys of
 *   at most 1 KB without control characters, `.`, `$` or space.
 * - `job` (a `scheduleUpdateTwin` job's `updateTwin`): the jobs devguide additionally restricts property names used
 *   when initiating a job to printable US-ASCII without `$ ( ) < > @ , ; : \ " / [ ] ? = { }`, space and tab
 *   ({@link seedNameProblem}), so a job refuses keys (e.g. `é` or `a:b`) that a direct twin update accepts.
 */
export type TwinKeyRule = 'twin' | 'job';

/** The jobs devguide's characters forbidden in property names when initiating a job (besides non-printables). */
const SEED_FORBIDDEN = new Set('$()<>@,;:\\"/[]?={}');

function describe(character: string): string {
  const code = character.codePointAt(0) ?? 0;
  return code >= 0x21 && code <= 0x7e
    ? `'${character}'`
    : `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

function firstOutsidePrintableAscii(name: string, forbidden: ReadonlySet<string>): string | undefined {
  for (const character of name) {
    const code = character.codePointAt(0) ?? 0;
    // Printable US-ASCII is 0x21..0x7E; space (0x20) and HT fall outside it.
    if (code < 0x21 || code > 0x7e || forbidden.has(character)) return character;
  }
  return undefined;
}

/** Why a name used when initiating a job (method name, payload property name) breaks the devguide's rule. */
export function seedNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'a name may not be empty';
  const bad = firstOutsidePrintableAscii(name, SEED_FORBIDDEN);
  return bad === undefined
    ? undefined
    : `the name '${name}' contains the forbidden character ${describe(bad)}`;
}

const TWIN_FORBIDDEN = /[.$ ]/;
const hasControl = (key: string) => [...key].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);

/** Why `key` is not a valid twin key under `rule`; undefined when it is. */
export function twinKeyProblem(key: string, rule: TwinKeyRule): string | undefined {
  if (key.length === 0) return 'a twin key may not be empty';
  // A JavaScript object cannot hold `__proto__` as a plain key (assigning it replaces the prototype): it would be
  // lost silently, and a change made of it alone would change nothing.
  if (key === '__proto__') return `the twin key '${key}' is reserved`;
  if (rule === 'job') {
    const bad = firstOutsidePrintableAscii(key, SEED_FORBIDDEN);
    if (bad !== undefined) return `the twin key '${key}' contains the forbidden character ${describe(bad)}`;
  }
  if (TWIN_FORBIDDEN.test(key) || hasControl(key)) {
    return `the twin key '${key}' is invalid: keys hold no '.', '$', space or control character`;
  }
  if (byteLength(key) > TWIN_LIMITS.keyBytes)
    return `a twin key may be at most ${TWIN_LIMITS.keyBytes} bytes`;
  return undefined;
}

export interface TwinSectionRules {
  /** A patch may hold null (it deletes the key); a replacement may not. */
  allowNull: boolean;
  keys: TwinKeyRule;
}

/**
 * The first problem of a twin section (tags or desired) given as a patch or a replacement, or undefined. A key
 * problem names the object holding the key; a value problem names the value.
 */
export function twinSectionProblem(
  value: unknown,
  field: string,
  rules: TwinSectionRules,
): RuleProblem | undefined {
  if (!isPlainObject(value)) return { field, reason: 'must be a JSON object' };
  return objectProblem(value, field, 0, rules);
}

function objectProblem(
  object: Record<string, unknown>,
  field: string,
  depth: number,
  rules: TwinSectionRules,
): RuleProblem | undefined {
  for (const [key, child] of Object.entries(object)) {
    const keyProblem = twinKeyProblem(key, rules.keys);
    if (keyProblem) return { field, reason: keyProblem };
    const problem = valueProblem(child, `${field}.${key}`, depth, rules, rules.allowNull);
    if (problem) return problem;
  }
  return undefined;
}

function valueProblem(
  value: unknown,
  field: string,
  depth: number,
  rules: TwinSectionRules,
  allowNull: boolean,
): RuleProblem | undefined {
  if (value === null) {
    return allowNull ? undefined : { field, reason: 'is null: a twin cannot hold null values' };
  }
  if (typeof value === 'string') {
    return byteLength(value) > TWIN_LIMITS.stringBytes
      ? { field, reason: `string values may be at most ${TWIN_LIMITS.stringBytes} bytes` }
      : undefined;
  }
  if (typeof value === 'number') {
    return Number.isFinite(value) ? undefined : { field, reason: 'must be a finite number' };
  }
  if (typeof value === 'boolean') return undefined;
  if (!Array.isArray(value) && !isPlainObject(value)) return { field, reason: 'must be a JSON value' };
  if (depth + 1 > TWIN_LIMITS.maxDepth) {
    return { field, reason: `twin objects may be nested at most ${TWIN_LIMITS.maxDepth} levels deep` };
  }
  if (isPlainObject(value)) return objectProblem(value, field, depth + 1, rules);
  for (const [index, item] of value.entries()) {
    const problem = valueProblem(item, `${field}[${index}]`, depth + 1, rules, false);
    if (problem) return problem;
  }
  return undefined;
}

/** Why a section's JSON is too large for `maxBytes`; undefined when it fits. */
export function sectionSizeProblem(values: unknown, maxBytes: number): string | undefined {
  const size = jsonByteLength(values);
  return size > maxBytes ? `is ${size} bytes: the limit is ${maxBytes} bytes` : undefined;
}
