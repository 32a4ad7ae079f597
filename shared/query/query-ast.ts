/**
 * Abstract syntax tree of the IoT Hub query language.
 *
 * The tree is plain data: it survives `JSON.stringify`/`JSON.parse` unchanged (the `undefined` constant has its own
 * node kind rather than a literal holding `undefined`), so a plan's residual condition can travel through durable
 * activity inputs.
 */

/** A JSON primitive a query may contain as a constant. */
export type Primitive = string | number | boolean | null;

/** The collections a query may read, as named in its FROM clause. */
export type QuerySource = 'devices' | 'devices.modules' | 'devices.jobs';

/** A constant: string, number, `true`, `false` or `null`. */
export interface LiteralNode {
  readonly kind: 'literal';
  readonly value: Primitive;
}

/** The constant `undefined`: a value that is never equal to anything, as a missing property. */
export interface UndefinedNode {
  readonly kind: 'undefined';
}

/** An array constant `[c1, c2, ...]` of primitives. */
export interface ArrayNode {
  readonly kind: 'array';
  readonly elements: readonly Primitive[];
}

/**
 * A property path relative to the queried document, e.g. `tags.location.region` is `['tags', 'location', 'region']`.
 * A collection qualifier (`devices.`, `devices.modules.`, `devices.jobs.`) has already been removed.
 */
export interface PropertyNode {
  readonly kind: 'property';
  readonly path: readonly string[];
}

/** Unary minus. */
export interface NegateNode {
  readonly kind: 'negate';
  readonly operand: Expression;
}

/** Logical negation (three-valued: `NOT undefined` is undefined). */
export interface NotNode {
  readonly kind: 'not';
  readonly operand: Expression;
}

/** An n-ary conjunction or disjunction; chains are flattened so that long OR lists do not nest deeply. */
export interface LogicalNode {
  readonly kind: 'and' | 'or';
  readonly operands: readonly Expression[];
}

/** Comparison operators; `<>` is parsed as `!=`. */
export type ComparisonOperator = '=' | '!=' | '<' | '>' | '<=' | '>=';

export interface ComparisonNode {
  readonly kind: 'comparison';
  readonly operator: ComparisonOperator;
  readonly left: Expression;
  readonly right: Expression;
}

/** `operand IN [...]`, or with `negated` set, `operand NIN [...]`. */
export interface MembershipNode {
  readonly kind: 'in';
  readonly negated: boolean;
  readonly operand: Expression;
  readonly values: readonly Primitive[];
}

export type ArithmeticOperator = '+' | '-' | '*' | '/' | '%';

export interface ArithmeticNode {
  readonly kind: 'arithmetic';
  readonly operator: ArithmeticOperator;
  readonly left: Expression;
  readonly right: Expression;
}

/** Canonical (upper-case, underscore-free for the string functions) names of the supported functions. */
export type FunctionName =
  | 'IS_DEFINED'
  | 'IS_NULL'
  | 'IS_BOOL'
  | 'IS_NUMBER'
  | 'IS_STRING'
  | 'IS_OBJECT'
  | 'IS_ARRAY'
  | 'IS_PRIMITIVE'
  | 'STARTSWITH'
  | 'ENDSWITH'
  | 'CONTAINS';

export interface CallNode {
  readonly kind: 'call';
  readonly name: FunctionName;
  readonly args: readonly Expression[];
}

/** Any expression of a WHERE condition. */
export type Expression =
  | LiteralNode
  | UndefinedNode
  | ArrayNode
  | PropertyNode
  | NegateNode
  | NotNode
  | LogicalNode
  | ComparisonNode
  | MembershipNode
  | ArithmeticNode
  | CallNode;

/** One element of a SELECT list: a property path, output under `alias` or else under its last segment. */
export interface SelectProperty {
  readonly kind: 'property';
  readonly path: readonly string[];
  readonly alias: string;
}

/** `COUNT() AS alias`: the number of documents in the group (or in the whole result without GROUP BY). */
export interface SelectCount {
  readonly kind: 'count';
  readonly alias: string;
}

export type SelectItem = SelectProperty | SelectCount;

/** The projection: `*` (whole documents) or a list. */
export type Projection =
  { readonly kind: 'all' } | { readonly kind: 'list'; readonly items: readonly SelectItem[] };

/** A parsed `SELECT [TOP n] <projection> FROM <source> [WHERE <condition>] [GROUP BY <paths>]` query. */
export interface Query {
  readonly projection: Projection;
  /** `TOP n`: at most n rows; absent when not given. */
  readonly top?: number;
  readonly source: QuerySource;
  /** The WHERE condition, or `null` when the query has none (every document matches). */
  readonly where: Expression | null;
  /** GROUP BY property paths; empty when the query does not group. */
  readonly groupBy: readonly (readonly string[])[];
}
