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
const WHITESPACE = /\s/;
const TWO_CHARACTER_PUNCTUATORS: ReadonlySet<string> = new Set(['!=', '<>', '<=', '>=']);
const ONE_CHARACTER_PUNCTUATORS: ReadonlySet<string> = new Set('()[],.*=<>+-/%');
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
    const start = offset;
    const code = text.charCodeAt(offset);
    const character = text.charAt(offset);
    if (isAsciiSpace(code) || (code > 127 && WHITESPACE.test(character))) {
      offset += 1;
      continue;
    }
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
    if (isAsciiNameStart(code) || (afterDot && isAsciiDigit(code)) || code > 127) {
      const word = readWord(text, offset) ?? matchAt(afterDot ? SEGMENT : IDENTIFIER);
      if (word !== undefined) {
        offset += word.length;
        tokens.push({ kind: 'identifier', name: word, start, end: offset });
        continue;
      }
    }
    const number = isAsciiDigit(code) ? (matchAt(HEX_NUMBER) ?? matchAt(DECIMAL_NUMBER)) : undefined;
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
    const punctuator = readPunctuator(character, text.charAt(offset + 1));
    if (punctuator !== undefined) {
      offset += punctuator.length;
      tokens.push({ kind: 'punctuator', text: punctuator, start, end: offset });
      continue;
    }
    fail(start, `unexpected character '${character}'`);
  }
  tokens.push({ kind: 'end', start: text.length, end: text.length });
  return tokens;
}

function readPunctuator(character: string, following: string): Punctuator | undefined {
  const pair = character + following;
  if (TWO_CHARACTER_PUNCTUATORS.has(pair)) return pair as Punctuator;
  return ONE_CHARACTER_PUNCTUATORS.has(character) ? (character as Punctuator) : undefined;
}

const isAsciiSpace = (code: number): boolean => code === 32 || (code >= 9 && code <= 13);
const isAsciiDigit = (code: number): boolean => code >= 48 && code <= 57;
const isAsciiNameStart = (code: number): boolean =>
  (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95 || code === 36;

/** An all-ASCII name at `start` (the common case, read without regular expressions); undefined past ASCII. */
function readWord(text: string, start: number): string | undefined {
  let end = start;
  while (end < text.length) {
    const code = text.charCodeAt(end);
    if (code > 127) return undefined;
    if (!isAsciiNameStart(code) && !isAsciiDigit(code)) break;
    end += 1;
  }
  return end > start ? text.slice(start, end) : undefined;
}

function readString(
  text: string,
  start: number,
  fail: (at: number, detail: string) => never,
): { value: string; end: number } {
  const quote = text.charCodeAt(start);
  let value = '';
  let chunkStart = start + 1;
  let offset = chunkStart;
  while (offset < text.length) {
    const code = text.charCodeAt(offset);
    if (code === quote) return { value: value + text.slice(chunkStart, offset), end: offset + 1 };
    if (code !== BACKSLASH) {
      offset += 1;
      continue;
    }
    value += text.slice(chunkStart, offset);
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
    chunkStart = offset;
  }
  return fail(start, 'unterminated string literal');
}

const BACKSLASH = 92;
