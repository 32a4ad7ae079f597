import { byteLength } from './json-values';

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

/**
 * The names the devguide allows, as one expression built from the rule above: payloads of up to 128 KB are checked
 * name by name on a request's hot path, and the character-by-character walk only runs to say what is wrong.
 */
const SEED_NAME = new RegExp(
  `^[${Array.from({ length: 0x7e - 0x21 + 1 }, (_, offset) => String.fromCharCode(0x21 + offset))
    .filter((character) => !SEED_FORBIDDEN.has(character))
    .map((character) => `\\x${character.charCodeAt(0).toString(16)}`)
    .join('')}]+$`,
);

/** Why a name used when initiating a job (method name, payload property name) breaks the devguide's rule. */
export function seedNameProblem(name: string): string | undefined {
  if (SEED_NAME.test(name)) return undefined;
  if (name.length === 0) return 'a name may not be empty';
  const bad = firstOutsidePrintableAscii(name, SEED_FORBIDDEN);
  return bad === undefined
    ? undefined
    : `the name '${name}' contains the forbidden character ${describe(bad)}`;
}

const TWIN_FORBIDDEN = /[.$ ]/;

function hasControl(key: string): boolean {
  for (let index = 0; index < key.length; index++) {
    const code = key.charCodeAt(index);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/**
 * Whether `text` is longer than `maxBytes` in UTF-8. A UTF-16 unit is at most 3 bytes, so only long texts are
 * encoded: twin writes check every key and string on the job engine's hot path.
 */
export function exceedsBytes(text: string, maxBytes: number): boolean {
  return text.length * 3 > maxBytes && byteLength(text) > maxBytes;
}

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
  if (exceedsBytes(key, TWIN_LIMITS.keyBytes))
    return `a twin key may be at most ${TWIN_LIMITS.keyBytes} bytes`;
  return undefined;
}
