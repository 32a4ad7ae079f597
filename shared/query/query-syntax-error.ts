import { WireError } from '../iothub-rules';

/** Where in the query text an error was found. */
export interface QueryPosition {
  /** 1-based character offset in the whole query text. */
  readonly position: number;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column within the line. */
  readonly column: number;
}

/**
 * A query that cannot be parsed or is not supported: maps to HTTP 400 `ArgumentInvalid`, as IoT Hub answers.
 * The message names the position and, for grammar errors, what was expected and what was found.
 */
export class QuerySyntaxError extends WireError {
  readonly code = 'ArgumentInvalid';
  readonly position: number;
  readonly line: number;
  readonly column: number;
  /** What the parser expected there, when the error is a grammar error. */
  readonly expected: string | undefined;
  /** What it found instead (e.g. `end of query`, `'='`). */
  readonly found: string | undefined;

  constructor(where: QueryPosition, detail: string, expectation?: { expected: string; found: string }) {
    super(`Syntax error at position ${where.position}: ${detail}`);
    this.name = 'QuerySyntaxError';
    this.position = where.position;
    this.line = where.line;
    this.column = where.column;
    this.expected = expectation?.expected;
    this.found = expectation?.found;
  }

  /** A grammar error: `expected <expected> but found <found>`. */
  static unexpected(where: QueryPosition, expected: string, found: string): QuerySyntaxError {
    return new QuerySyntaxError(where, `expected ${expected} but found ${found}`, { expected, found });
  }
}

/** Converts a 0-based offset in `text` into a 1-based position, line and column. */
export function positionAt(text: string, offset: number): QueryPosition {
  let line = 1;
  let lineStart = 0;
  for (let index = 0; index < offset && index < text.length; index += 1) {
    if (text[index] === '\n') {
      line += 1;
      lineStart = index + 1;
    }
  }
  return { position: offset + 1, line, column: offset - lineStart + 1 };
}
