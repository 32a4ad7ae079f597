import { positionAt, QuerySyntaxError } from './query-syntax-error';

/** Punctuation and operator tokens, by their text. */
export type Punctuator =
  | '('
  | ')'
  | '['
  | ']'
  | ','
  | '.'
  | '*'
  | '='
  | '!='
  | '<>'
  | '<'
  | '>'
  | '<='
  | '>='
  | '+'
  | '-'
  | '/'
  | '%';

/** A lexical token; `start`/`end` are 0-based offsets into the query text (end exclusive). */
export type Token =
  | { readonly kind: 'identifier'; readonly name: string; readonly start: number; readonly end: number }
  /** A `[[...]]` segment: a property name that may hold any character but `]]`. */
  | { readonly kind: 'escaped'; readonly name: string; readonly start: number; readonly end: number }
  | { readonly kind: 'string'; readonly value: string; readonly start: number; readonly end: number }
  | { readonly kind: 'number'; readonly value: number; readonly start: number; readonly end: number }
  | { readonly kind: 'punctuator'; readonly text: Punctuator; readonly start: number; readonly end: number }
  | { readonly kind: 'end'; readonly start: number; readonly end: number };

const IDENTIFIER = /[\p{L}_$][\p{L}\p{N}_$]*/uy;
/** After a `.`, a segment may start with a digit (`tags.1st`): twin keys may. */
const SEGMENT = /[\p{L}\p{N}_$]+/uy;
const IDENTIFIER_CHARACTER = /[\p{L}\p{N}_$]/u;
const HEX_NUMBER = /0[xX][0-9a-fA-F]+/y;
const DECIMAL_NUMBER = /\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const WHITESPACE = /\s+/y;
const TWO_CHARACTER_PUNCTUATORS: readonly Punctuator[] = ['!=', '<>', '<=', '>='];
const ONE_CHARACTER_PUNCTUATORS = '()[],.*=<>+-/%';
const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  "'": "'",
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

/** Splits query text into tokens, ending with an `end` token; throws {@link QuerySyntaxError} on a bad character. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let offset = 0;
  const fail = (at: number, detail: string): never => {
    throw new QuerySyntaxError(positionAt(text, at), detail);
  };
  const matchAt = (pattern: RegExp): string | undefined => {
    pattern.lastIndex = offset;
    return pattern.exec(text)?.[0];
  };

  while (offset < text.length) {
    const whitespace = matchAt(WHITESPACE);
    if (whitespace !== undefined) {
      offset += whitespace.length;
      continue;
    }
    const start = offset;
    const character = text.charAt(offset);
    const previous = tokens[tokens.length - 1];
    const afterDot = previous?.kind === 'punctuator' && previous.text === '.';

    if (character === '[' && text.charAt(offset + 1) === '[') {
      const close = text.indexOf(']]', offset + 2);
      if (close < 0) fail(start, "unterminated escaped name: '[[' without ']]'");
      const name = text.slice(offset + 2, close);
      if (name.length === 0) fail(start, "empty escaped name '[[]]'");
      offset = close + 2;
      tokens.push({ kind: 'escaped', name, start, end: offset });
      continue;
    }
    if (character === "'" || character === '"') {
      const { value, end } = readString(text, offset, fail);
      offset = end;
      tokens.push({ kind: 'string', value, start, end });
      continue;
    }
    const word = matchAt(afterDot ? SEGMENT : IDENTIFIER);
    if (word !== undefined) {
      offset += word.length;
      tokens.push({ kind: 'identifier', name: word, start, end: offset });
      continue;
    }
    const number = matchAt(HEX_NUMBER) ?? matchAt(DECIMAL_NUMBER);
    if (number !== undefined) {
      offset += number.length;
      if (number === '0' && /[xX]/.test(text.charAt(offset)))
        fail(start, 'invalid hexadecimal number: expected hexadecimal digits after 0x');
      if (IDENTIFIER_CHARACTER.test(text.charAt(offset))) {
        SEGMENT.lastIndex = offset;
        fail(start, `invalid number '${text.slice(start, offset)}${SEGMENT.exec(text)?.[0] ?? ''}'`);
      }
      tokens.push({ kind: 'number', value: Number(number), start, end: offset });
      continue;
    }
    const pair = text.slice(offset, offset + 2);
    const punctuator = TWO_CHARACTER_PUNCTUATORS.find((candidate) => candidate === pair);
    if (punctuator !== undefined) {
      offset += 2;
      tokens.push({ kind: 'punctuator', text: punctuator, start, end: offset });
      continue;
    }
    if (ONE_CHARACTER_PUNCTUATORS.includes(character)) {
      offset += 1;
      tokens.push({ kind: 'punctuator', text: character as Punctuator, start, end: offset });
      continue;
    }
    fail(start, `unexpected character '${character}'`);
  }
  tokens.push({ kind: 'end', start: text.length, end: text.length });
  return tokens;
}

function readString(
  text: string,
  start: number,
  fail: (at: number, detail: string) => never,
): { value: string; end: number } {
  const quote = text.charAt(start);
  let value = '';
  let offset = start + 1;
  while (offset < text.length) {
    const character = text.charAt(offset);
    if (character === quote) return { value, end: offset + 1 };
    if (character !== '\\') {
      value += character;
      offset += 1;
      continue;
    }
    const escape = text.charAt(offset + 1);
    const simple = SIMPLE_ESCAPES[escape];
    if (simple !== undefined) {
      value += simple;
      offset += 2;
    } else if (escape === 'u') {
      const digits = text.slice(offset + 2, offset + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(digits))
        fail(offset, 'invalid escape: \\u must be followed by 4 hexadecimal digits');
      value += String.fromCharCode(parseInt(digits, 16));
      offset += 6;
    } else {
      if (escape === '') fail(start, 'unterminated string literal');
      fail(offset, `invalid escape sequence '\\${escape}'`);
    }
  }
  return fail(start, 'unterminated string literal');
}
