import type { ComparisonOperator, Expression, Primitive, Projection, Query } from './query-ast';
import { QUERY_FUNCTIONS } from './query-functions';
import { kindOf, readPath, type JsonValue, type QueryValue } from './query-values';

/**
 * Whether `document` satisfies `condition`: only a result of boolean `true` selects; `false`, `undefined` (a missing
 * property, a comparison of different types) and any non-boolean value do not. A `null` condition selects everything.
 */
export function evaluate(condition: Expression | null, document: unknown): boolean {
  return condition === null || evaluateExpression(condition, document) === true;
}

/** The value of an expression over a document, `undefined` where IoT Hub's semantics leave it undefined. */
export function evaluateExpression(expression: Expression, document: unknown): QueryValue {
  switch (expression.kind) {
    case 'literal':
      return expression.value;
    case 'undefined':
      return undefined;
    case 'array':
      return expression.elements;
    case 'property':
      return readPath(document, expression.path);
    case 'negate': {
      const value = evaluateExpression(expression.operand, document);
      return kindOf(value) === 'number' ? -(value as number) : undefined;
    }
    case 'not': {
      const value = evaluateExpression(expression.operand, document);
      return typeof value === 'boolean' ? !value : undefined;
    }
    case 'and':
      return combine(expression.operands, document, false);
    case 'or':
      return combine(expression.operands, document, true);
    case 'comparison':
    case 'arithmetic': {
      const left = evaluateExpression(expression.left, document);
      const right = evaluateExpression(expression.right, document);
      return expression.kind === 'comparison'
        ? compare(expression.operator, left, right)
        : arithmetic(expression.operator, left, right);
    }
    case 'in':
      return membership(
        evaluateExpression(expression.operand, document),
        expression.values,
        expression.negated,
      );
    case 'call':
      return QUERY_FUNCTIONS[expression.name].apply(
        expression.args.map((argument) => evaluateExpression(argument, document)),
      );
  }
}

/**
 * Three-valued AND (`decisive` false) and OR (`decisive` true): the decisive value wins, otherwise any operand that
 * is not a boolean makes the result undefined.
 */
function combine(operands: readonly Expression[], document: unknown, decisive: boolean): QueryValue {
  let undetermined = false;
  for (const operand of operands) {
    const value = evaluateExpression(operand, document);
    if (value === decisive) return decisive;
    if (typeof value !== 'boolean') undetermined = true;
  }
  return undetermined ? undefined : !decisive;
}

const ORDERED_KINDS = new Set(['number', 'string', 'boolean']);

function compare(operator: ComparisonOperator, left: QueryValue, right: QueryValue): QueryValue {
  const leftKind = kindOf(left);
  const rightKind = kindOf(right);
  if (leftKind === 'undefined' || rightKind === 'undefined') return undefined;
  if (operator === '=' || operator === '!=') {
    let equal: boolean;
    if (leftKind === 'null' || rightKind === 'null') equal = leftKind === rightKind;
    else if (leftKind !== rightKind || !ORDERED_KINDS.has(leftKind)) return undefined;
    else equal = left === right;
    return operator === '=' ? equal : !equal;
  }
  if (leftKind !== rightKind || !ORDERED_KINDS.has(leftKind)) return undefined;
  const [a, b] =
    leftKind === 'boolean'
      ? [Number(left), Number(right)]
      : [left as number | string, right as number | string];
  switch (operator) {
    case '<':
      return a < b;
    case '>':
      return a > b;
    case '<=':
      return a <= b;
    case '>=':
      return a >= b;
  }
}

function membership(value: QueryValue, values: readonly Primitive[], negated: boolean): QueryValue {
  const kind = kindOf(value);
  if (kind === 'undefined' || kind === 'array' || kind === 'object') return undefined;
  const found =
    values.length > SMALL_LIST
      ? lookupSet(values).has(value as Primitive)
      : values.includes(value as Primitive);
  return negated ? !found : found;
}

/** Above this many constants an IN list is searched through a Set, built once per list (id lists can be huge). */
const SMALL_LIST = 16;
const lookupSets = new WeakMap<readonly Primitive[], ReadonlySet<Primitive>>();

function lookupSet(values: readonly Primitive[]): ReadonlySet<Primitive> {
  let set = lookupSets.get(values);
  if (set === undefined) {
    set = new Set(values);
    lookupSets.set(values, set);
  }
  return set;
}

function arithmetic(operator: string, left: QueryValue, right: QueryValue): QueryValue {
  if (kindOf(left) !== 'number' || kindOf(right) !== 'number') return undefined;
  const a = left as number;
  const b = right as number;
  if ((operator === '/' || operator === '%') && b === 0) return undefined;
  const result =
    operator === '+'
      ? a + b
      : operator === '-'
        ? a - b
        : operator === '*'
          ? a * b
          : operator === '/'
            ? a / b
            : a % b;
  return Number.isFinite(result) ? result : undefined;
}

/**
 * The row a non-aggregating SELECT list makes of one document: `*` gives the document itself; a list gives an object
 * with each alias bound to its property's value (undefined values are left out, as JSON cannot hold them).
 * @throws Error when the projection holds COUNT(): aggregate queries go through {@link executeQuery}.
 */
export function projectDocument(projection: Projection, document: unknown): JsonValue {
  if (projection.kind === 'all') return document as JsonValue;
  const row: Record<string, JsonValue> = {};
  for (const item of projection.items) {
    if (item.kind === 'count') throw new Error('COUNT() needs the whole result: use executeQuery');
    const value = readPath(document, item.path);
    if (value !== undefined) setColumn(row, item.alias, value);
  }
  return row;
}

/** Sets an own property even for an alias such as `__proto__`, which plain assignment would swallow. */
function setColumn(row: Record<string, JsonValue>, alias: string, value: JsonValue): void {
  Object.defineProperty(row, alias, { value, enumerable: true, writable: true, configurable: true });
}

/** Whether a query aggregates (COUNT() or GROUP BY) and so makes its rows from groups rather than documents. */
export function isAggregateQuery(query: Query): boolean {
  return (
    query.groupBy.length > 0 ||
    (query.projection.kind === 'list' && query.projection.items.some((item) => item.kind === 'count'))
  );
}

/**
 * Runs a whole query in memory over candidate documents: WHERE, then GROUP BY/COUNT() or the projection, then TOP.
 * Groups keep the order in which their first document came.
 */
export function executeQuery(query: Query, documents: Iterable<unknown>): JsonValue[] {
  const limit = query.top ?? Number.POSITIVE_INFINITY;
  if (!isAggregateQuery(query)) {
    const rows: JsonValue[] = [];
    for (const document of documents) {
      if (rows.length >= limit) break;
      if (evaluate(query.where, document)) rows.push(projectDocument(query.projection, document));
    }
    return rows;
  }
  const aggregation = new QueryAggregation(query);
  for (const document of documents) if (evaluate(query.where, document)) aggregation.add(document);
  return aggregation.rows();
}

/**
 * The groups of an aggregating query (COUNT(), GROUP BY), fed one document at a time so a caller can take turns with
 * other work between documents. It does not evaluate WHERE: add only documents that satisfy it.
 */
export class QueryAggregation {
  private readonly groups = new Map<string, { values: QueryValue[]; size: number }>();

  constructor(private readonly query: Query) {}

  add(document: unknown): void {
    const values = this.query.groupBy.map((path) => readPath(document, path));
    const key = values.map((value) => (value === undefined ? '~' : JSON.stringify(value))).join('\u0000');
    const group = this.groups.get(key) ?? { values, size: 0 };
    group.size += 1;
    this.groups.set(key, group);
  }

  /** One row per group (one row for COUNT() without GROUP BY, even over nothing), at most TOP rows. */
  rows(): JsonValue[] {
    const limit = this.query.top ?? Number.POSITIVE_INFINITY;
    const groups = [...this.groups.values()];
    if (groups.length === 0 && this.query.groupBy.length === 0) groups.push({ values: [], size: 0 });
    return groups
      .slice(0, Number.isFinite(limit) ? limit : undefined)
      .map((group) => aggregateRow(this.query, group.values, group.size));
  }
}

function aggregateRow(query: Query, groupValues: readonly QueryValue[], size: number): JsonValue {
  const row: Record<string, JsonValue> = {};
  if (query.projection.kind === 'all') return row;
  for (const item of query.projection.items) {
    if (item.kind === 'count') {
      setColumn(row, item.alias, size);
      continue;
    }
    const position = query.groupBy.findIndex((path) => samePath(path, item.path));
    const value = groupValues[position];
    if (value !== undefined) setColumn(row, item.alias, value);
  }
  return row;
}

function samePath(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((segment, index) => segment === b[index]);
}
