import type {
  ArithmeticOperator,
  ComparisonOperator,
  Expression,
  Primitive,
  Projection,
  Query,
  QuerySource,
  SelectItem,
} from './query-ast';
import { QUERY_FUNCTIONS, resolveFunctionName } from './query-functions';
import { QUALIFIER_ROOT, RESERVED_WORDS } from './query-keywords';
import { tokenize, type Punctuator, type Token } from './query-lexer';
import { positionAt, QuerySyntaxError } from './query-syntax-error';

/** Options of {@link parseCondition}. */
export interface ConditionOptions {
  /** The collection the condition filters; decides which qualifier (`devices.jobs.` ...) paths may carry. */
  readonly source?: QuerySource;
}

/** Deepest nesting of parentheses, NOT, unary minus, function calls and operator chains a query may have. */
export const MAX_NESTING_DEPTH = 128;

/**
 * The longest query text (a whole query, or a job's condition) in characters: IoT Hub's documented limit for query
 * expressions. It bounds the work of one query per document, so a scan stays sliceable into short turns.
 */
export const MAX_QUERY_LENGTH = 8192;

// Words of the query become lookup keys: Maps, so `__proto__` or `constructor` never reach Object.prototype.
const CONSTANT_WORDS: ReadonlyMap<string, Primitive> = new Map<string, Primitive>([
  ['TRUE', true],
  ['FALSE', false],
  ['NULL', null],
]);
const COMPARISON_OPERATORS: ReadonlyMap<string, ComparisonOperator> = new Map<string, ComparisonOperator>([
  ['=', '='],
  ['!=', '!='],
  ['<>', '!='],
  ['<', '<'],
  ['>', '>'],
  ['<=', '<='],
  ['>=', '>='],
]);
const UNSUPPORTED_AGGREGATES = new Set(['AVG', 'SUM', 'MIN', 'MAX']);
const SOURCES: ReadonlyMap<string, QuerySource> = new Map<string, QuerySource>([
  ['JOBS', 'devices.jobs'],
  ['MODULES', 'devices.modules'],
]);

/**
 * Parses a full query: `SELECT [TOP n] * | path [AS alias], ... | COUNT() [AS alias] FROM devices | devices.modules |
 * devices.jobs [WHERE condition] [GROUP BY path, ...]`.
 * @throws QuerySyntaxError (code `ArgumentInvalid`) naming the position and what was expected.
 */
export function parseQuery(text: string, options: { maxLength?: number } = {}): Query {
  return new Parser(text, 'devices', options.maxLength).query();
}

/**
 * Parses a bare WHERE condition, such as a job's `queryCondition`. The text `*` (alone) means every document and
 * gives `null`, as does the evaluation of no condition.
 * @throws QuerySyntaxError (code `ArgumentInvalid`) naming the position and what was expected.
 */
export function parseCondition(text: string, options: ConditionOptions = {}): Expression | null {
  return new Parser(text, options.source ?? 'devices').conditionOnly();
}

class Parser {
  private readonly tokens: Token[];
  private index = 0;
  private depth = 0;

  constructor(
    private readonly text: string,
    private source: QuerySource,
    maxLength = MAX_QUERY_LENGTH,
  ) {
    if (text.length > maxLength) {
      throw new QuerySyntaxError(
        positionAt(text, MAX_QUERY_LENGTH),
        `the query is ${text.length} characters long: at most ${maxLength} are allowed`,
      );
    }
    this.tokens = tokenize(text);
  }

  query(): Query {
    this.expectKeyword('SELECT', 'SELECT');
    const top = this.acceptKeyword('TOP') ? this.topCount() : undefined;
    this.source = this.lookAheadSource();
    const projection = this.projection();
    this.expectKeyword('FROM', 'FROM');
    this.source = this.fromSource();
    const where = this.acceptKeyword('WHERE') ? this.or() : null;
    const groupByToken = this.peek();
    const groupBy = this.acceptKeyword('GROUP') ? this.groupBy() : [];
    this.expectEnd(where === null ? 'WHERE, GROUP BY or end of query' : 'AND, OR, GROUP BY or end of query');
    this.checkGrouping(projection, groupBy, groupByToken);
    return top === undefined
      ? { projection, source: this.source, where, groupBy }
      : { projection, top, source: this.source, where, groupBy };
  }

  conditionOnly(): Expression | null {
    const first = this.peek();
    if (this.isPunctuator(first, '*') && this.tokens[this.index + 1]?.kind === 'end') return null;
    const condition = this.or();
    this.expectEnd('AND, OR or end of query');
    return condition;
  }

  /** The SELECT list comes before FROM but its paths may carry the FROM collection's qualifier. */
  private lookAheadSource(): QuerySource {
    const resume = this.index;
    const from = this.tokens.findIndex(
      (token, position) =>
        position >= resume &&
        this.isKeyword(token, 'FROM') &&
        !this.isPunctuator(this.tokens[position - 1], '.'),
    );
    if (from < 0) return this.source;
    this.index = from + 1;
    try {
      return this.fromSource();
    } catch (error: unknown) {
      if (error instanceof QuerySyntaxError) return this.source;
      throw error;
    } finally {
      this.index = resume;
    }
  }

  private topCount(): number {
    const token = this.next();
    if (token.kind !== 'number' || !Number.isSafeInteger(token.value))
      throw this.unexpected(token, 'a whole number after TOP');
    return token.value;
  }

  private projection(): Projection {
    if (this.acceptPunctuator('*')) return { kind: 'all' };
    const items: SelectItem[] = [];
    const names = new Set<string>();
    do {
      const start = this.peek();
      const item = this.selectItem(items.length);
      if (names.has(item.alias)) throw this.error(start, `duplicate name '${item.alias}' in the SELECT list`);
      names.add(item.alias);
      items.push(item);
    } while (this.acceptPunctuator(','));
    return { kind: 'list', items };
  }

  private selectItem(index: number): SelectItem {
    const token = this.peek();
    if (token.kind === 'identifier' && this.isPunctuator(this.tokens[this.index + 1], '(')) {
      const upper = token.name.toUpperCase();
      if (upper !== 'COUNT') {
        const detail = UNSUPPORTED_AGGREGATES.has(upper)
          ? `aggregate ${upper}() is not supported: only COUNT() is`
          : `${token.name}() is not allowed in the SELECT list: expected a property path or COUNT()`;
        throw this.error(token, detail);
      }
      this.index += 2;
      this.expectPunctuator(')', "')' after COUNT(");
      return { kind: 'count', alias: this.alias() ?? `$${index + 1}` };
    }
    if (this.startsPath(token)) {
      const path = this.path();
      return { kind: 'property', path, alias: this.alias() ?? path[path.length - 1] ?? '' };
    }
    throw this.unexpected(token, "a property path, COUNT() or '*'");
  }

  private alias(): string | undefined {
    if (!this.acceptKeyword('AS')) return undefined;
    const token = this.next();
    if (token.kind === 'escaped' || (token.kind === 'identifier' && !this.isReserved(token)))
      return token.name;
    throw this.unexpected(token, "a name after 'AS'");
  }

  private fromSource(): QuerySource {
    const token = this.next();
    if (token.kind === 'identifier' && token.name.toUpperCase() === QUALIFIER_ROOT) {
      if (!this.acceptPunctuator('.')) return 'devices';
      const member = this.next();
      const source = member.kind === 'identifier' ? SOURCES.get(member.name.toUpperCase()) : undefined;
      if (source !== undefined) return source;
      throw this.unexpected(member, "'jobs' or 'modules' after 'devices.'");
    }
    throw this.unexpected(token, 'devices, devices.modules or devices.jobs');
  }

  private groupBy(): (readonly string[])[] {
    this.expectKeyword('BY', "'BY' after 'GROUP'");
    const paths: (readonly string[])[] = [];
    do {
      const token = this.peek();
      if (!this.startsPath(token)) throw this.unexpected(token, 'a property path');
      paths.push(this.path());
    } while (this.acceptPunctuator(','));
    return paths;
  }

  private checkGrouping(projection: Projection, groupBy: readonly (readonly string[])[], at: Token): void {
    const grouped = new Set(groupBy.map((path) => JSON.stringify(path)));
    if (projection.kind === 'all') {
      if (groupBy.length > 0) throw this.error(at, "GROUP BY cannot be used with 'SELECT *'");
      return;
    }
    const counts = projection.items.some((item) => item.kind === 'count');
    if (!counts && groupBy.length === 0) return;
    for (const item of projection.items) {
      if (item.kind === 'property' && !grouped.has(JSON.stringify(item.path)))
        throw this.error(at, `'${item.path.join('.')}' in the SELECT list must appear in GROUP BY`);
    }
  }

  private or(): Expression {
    return this.logical('OR', () => this.and());
  }

  private and(): Expression {
    return this.logical('AND', () => this.not());
  }

  private logical(keyword: 'AND' | 'OR', operand: () => Expression): Expression {
    const first = operand();
    if (!this.isKeyword(this.peek(), keyword)) return first;
    const operands = [first];
    while (this.acceptKeyword(keyword)) operands.push(operand());
    return { kind: keyword === 'AND' ? 'and' : 'or', operands };
  }

  private not(): Expression {
    const token = this.peek();
    if (!this.acceptKeyword('NOT')) return this.predicate();
    return this.nested(token, () => ({ kind: 'not', operand: this.not() }));
  }

  private predicate(): Expression {
    const left = this.additive();
    const token = this.peek();
    const operator = token.kind === 'punctuator' ? COMPARISON_OPERATORS.get(token.text) : undefined;
    if (operator !== undefined) {
      this.index += 1;
      return { kind: 'comparison', operator, left, right: this.additive() };
    }
    if (this.acceptKeyword('IN'))
      return { kind: 'in', negated: false, operand: left, values: this.arrayConstant('IN') };
    if (this.acceptKeyword('NIN'))
      return { kind: 'in', negated: true, operand: left, values: this.arrayConstant('NIN') };
    if (this.isKeyword(token, 'NOT') && this.isKeyword(this.tokens[this.index + 1], 'IN')) {
      this.index += 2;
      return { kind: 'in', negated: true, operand: left, values: this.arrayConstant('NOT IN') };
    }
    return left;
  }

  private additive(): Expression {
    return this.arithmeticChain(['+', '-'], () => this.multiplicative());
  }

  private multiplicative(): Expression {
    return this.arithmeticChain(['*', '/', '%'], () => this.unary());
  }

  private arithmeticChain(operators: readonly ArithmeticOperator[], operand: () => Expression): Expression {
    let left = operand();
    const entered = this.depth;
    for (;;) {
      const token = this.peek();
      const operator = operators.find((candidate) => this.isPunctuator(token, candidate));
      if (operator === undefined) break;
      this.enter(token);
      this.index += 1;
      left = { kind: 'arithmetic', operator, left, right: operand() };
    }
    this.depth = entered;
    return left;
  }

  private unary(): Expression {
    const token = this.peek();
    if (!this.acceptPunctuator('-')) return this.primary();
    return this.nested(token, () => {
      const operand = this.unary();
      return operand.kind === 'literal' && typeof operand.value === 'number'
        ? { kind: 'literal', value: -operand.value }
        : { kind: 'negate', operand };
    });
  }

  private primary(): Expression {
    const token = this.peek();
    switch (token.kind) {
      case 'string':
      case 'number':
        this.index += 1;
        return { kind: 'literal', value: token.value };
      case 'escaped':
        return { kind: 'property', path: this.path() };
      case 'identifier':
        return this.identifierPrimary(token);
      case 'punctuator':
        if (token.text === '[') return { kind: 'array', elements: this.arrayConstant(undefined) };
        if (token.text === '(') {
          this.index += 1;
          const inner = this.nested(token, () => this.or());
          this.expectPunctuator(')', "an operator or ')'");
          return inner;
        }
        break;
      case 'end':
        break;
    }
    throw this.unexpected(token, this.expectedValue());
  }

  private identifierPrimary(token: Token & { kind: 'identifier' }): Expression {
    const upper = token.name.toUpperCase();
    const constant = CONSTANT_WORDS.get(upper);
    if (constant !== undefined) {
      this.index += 1;
      return { kind: 'literal', value: constant };
    }
    if (upper === 'UNDEFINED') {
      this.index += 1;
      return { kind: 'undefined' };
    }
    if (this.isReserved(token)) throw this.unexpected(token, this.expectedValue());
    if (this.isPunctuator(this.tokens[this.index + 1], '(')) return this.call(token);
    return { kind: 'property', path: this.path() };
  }

  private call(nameToken: Token & { kind: 'identifier' }): Expression {
    const name = resolveFunctionName(nameToken.name);
    if (name === undefined) {
      const detail =
        nameToken.name.toUpperCase() === 'COUNT'
          ? 'COUNT() is only allowed in the SELECT list'
          : `unknown function '${nameToken.name}'`;
      throw this.error(nameToken, detail);
    }
    this.index += 2;
    const args: Expression[] = [];
    if (!this.acceptPunctuator(')')) {
      this.nested(nameToken, () => {
        do args.push(this.or());
        while (this.acceptPunctuator(','));
        return args;
      });
      this.expectPunctuator(')', "',' or ')'");
    }
    const arity = QUERY_FUNCTIONS[name].arity;
    if (args.length !== arity)
      throw this.error(
        nameToken,
        `function ${name} expects ${arity} argument${arity === 1 ? '' : 's'} but got ${args.length}`,
      );
    return { kind: 'call', name, args };
  }

  private arrayConstant(after: string | undefined): Primitive[] {
    const open = this.peek();
    if (!this.acceptPunctuator('['))
      throw this.unexpected(open, `an array constant '[...]' after '${after ?? ''}'`);
    const elements: Primitive[] = [];
    if (this.acceptPunctuator(']')) return elements;
    do elements.push(this.constant());
    while (this.acceptPunctuator(','));
    this.expectPunctuator(']', "',' or ']'");
    return elements;
  }

  private constant(): Primitive {
    const expected = 'a constant (string, number, true, false or null)';
    const token = this.next();
    if (token.kind === 'string' || token.kind === 'number') return token.value;
    if (token.kind === 'identifier') {
      const constant = CONSTANT_WORDS.get(token.name.toUpperCase());
      if (constant !== undefined) return constant;
    }
    if (this.isPunctuator(token, '-')) {
      const number = this.next();
      if (number.kind === 'number') return -number.value;
      throw this.unexpected(number, "a number after '-'");
    }
    throw this.unexpected(token, expected);
  }

  /** A property path; strips the FROM collection's qualifier (`devices.jobs.jobId` → `jobId`). */
  private path(): string[] {
    const first = this.peek();
    const segments: { name: string; plain: boolean }[] = [];
    do {
      const token = this.next();
      if (token.kind !== 'identifier' && token.kind !== 'escaped')
        throw this.unexpected(token, "a property name after '.'");
      segments.push({ name: token.name, plain: token.kind === 'identifier' });
    } while (this.acceptPunctuator('.'));
    const isWord = (position: number, word: string): boolean =>
      segments[position]?.plain === true && segments[position]?.name.toUpperCase() === word;
    if (!isWord(0, QUALIFIER_ROOT) || segments.length === 1) return segments.map((segment) => segment.name);
    const member = isWord(1, 'JOBS') ? 'devices.jobs' : isWord(1, 'MODULES') ? 'devices.modules' : 'devices';
    const qualifierLength = member === 'devices' ? 1 : 2;
    if (member !== this.source)
      throw this.error(first, `'${member}.' properties cannot be used in a query FROM ${this.source}`);
    if (segments.length === qualifierLength)
      throw this.error(first, `expected a property name after '${member}.'`);
    return segments.slice(qualifierLength).map((segment) => segment.name);
  }

  private nested<T>(at: Token, parse: () => T): T {
    this.enter(at);
    try {
      return parse();
    } finally {
      this.depth -= 1;
    }
  }

  private enter(at: Token): void {
    this.depth += 1;
    if (this.depth > MAX_NESTING_DEPTH)
      throw this.error(at, `query nested too deeply (more than ${MAX_NESTING_DEPTH} levels)`);
  }

  private expectedValue(): string {
    const previous = this.tokens[this.index - 1];
    if (previous === undefined || this.isKeyword(previous, 'WHERE')) return 'a condition';
    return `a value after '${this.sourceText(previous)}'`;
  }

  private expectEnd(expected: string): void {
    const token = this.peek();
    if (token.kind !== 'end') throw this.unexpected(token, expected);
  }

  private peek(): Token {
    return this.tokens[this.index] ?? this.endToken();
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.index += 1;
    return token;
  }

  private endToken(): Token {
    return { kind: 'end', start: this.text.length, end: this.text.length };
  }

  private isKeyword(token: Token | undefined, keyword: string): boolean {
    return token?.kind === 'identifier' && token.name.toUpperCase() === keyword;
  }

  private startsPath(token: Token): boolean {
    return token.kind === 'escaped' || (token.kind === 'identifier' && !this.isReserved(token));
  }

  private isReserved(token: Token & { kind: 'identifier' }): boolean {
    return RESERVED_WORDS.has(token.name.toUpperCase());
  }

  private isPunctuator(token: Token | undefined, text: Punctuator): boolean {
    return token?.kind === 'punctuator' && token.text === text;
  }

  private acceptKeyword(keyword: string): boolean {
    if (!this.isKeyword(this.peek(), keyword)) return false;
    this.index += 1;
    return true;
  }

  private expectKeyword(keyword: string, expected: string): void {
    if (!this.acceptKeyword(keyword)) throw this.unexpected(this.peek(), expected);
  }

  private acceptPunctuator(text: Punctuator): boolean {
    if (!this.isPunctuator(this.peek(), text)) return false;
    this.index += 1;
    return true;
  }

  private expectPunctuator(text: Punctuator, expected: string): void {
    if (!this.acceptPunctuator(text)) throw this.unexpected(this.peek(), expected);
  }

  private sourceText(token: Token): string {
    const raw = this.text.slice(token.start, token.end);
    return raw.length > 40 ? `${raw.slice(0, 37)}...` : raw;
  }

  private unexpected(token: Token, expected: string): QuerySyntaxError {
    const found = token.kind === 'end' ? 'end of query' : `'${this.sourceText(token)}'`;
    return QuerySyntaxError.unexpected(positionAt(this.text, token.start), expected, found);
  }

  private error(token: Token, detail: string): QuerySyntaxError {
    return new QuerySyntaxError(positionAt(this.text, token.start), detail);
  }
}
