import type { Expression, LogicalNode } from './query-ast';

/** Options of {@link planQuery}. */
export interface PlanOptions {
  /**
   * The top-level document property the store can look documents up by (its key or partition), e.g. `deviceId` for
   * the registry or `jobId` for device-job rows. It is assumed to always hold a string. Matched ignoring case, as
   * property names in queries are.
   */
  readonly keyProperty: string;
}

/**
 * How to fetch the documents a condition may select, as pure data. A document satisfies the condition exactly when
 * it is among the fetched ones and the `residual` condition (if not `null`) evaluates to true on it.
 */
export type QueryPlan =
  /** Read every document, keep those on which `residual` is true (`null`: keep all). */
  | { readonly kind: 'scan'; readonly residual: Expression | null }
  /** Look up only the documents whose key property is one of `keys` (possibly none), then apply `residual`. */
  | {
      readonly kind: 'keys';
      readonly property: string;
      readonly keys: readonly string[];
      readonly residual: Expression | null;
    };

/** What a sub-condition says about the key: `keys` null = no constraint; the doc matches ⇔ key ∈ keys ∧ residual. */
interface Analysis {
  readonly keys: ReadonlySet<string> | null;
  readonly residual: Expression | null;
}

/**
 * Plans a condition for a key-value store: `key = 'x'`, `key IN [...]`, conjunctions holding one of those
 * (`deviceId IN [...] AND tags.x = 1` → lookup + residual filter) and disjunctions whose every branch holds one (→ the
 * union of keys) become key lookups; anything else is a scan with the whole condition as residual. Plans compose:
 * planning a plan's residual on a second key (e.g. `deviceId` after `jobId`) narrows further.
 */
export function planQuery(condition: Expression | null, options: PlanOptions): QueryPlan {
  if (condition === null) return { kind: 'scan', residual: null };
  const analysis = analyse(condition, options.keyProperty.toLowerCase());
  return analysis.keys === null
    ? { kind: 'scan', residual: analysis.residual }
    : { kind: 'keys', property: options.keyProperty, keys: [...analysis.keys], residual: analysis.residual };
}

function analyse(expression: Expression, key: string): Analysis {
  switch (expression.kind) {
    case 'comparison':
      if (expression.operator === '=') {
        const value =
          keyEquality(expression.left, expression.right, key) ??
          keyEquality(expression.right, expression.left, key);
        if (value !== undefined)
          return { keys: new Set(typeof value === 'string' ? [value] : []), residual: null };
      }
      break;
    case 'in':
      if (!expression.negated && isKeyProperty(expression.operand, key))
        return {
          keys: new Set(expression.values.filter((value) => typeof value === 'string')),
          residual: null,
        };
      break;
    case 'and':
      return conjunction(expression.operands.map((operand) => analyse(operand, key)));
    case 'or':
      return disjunction(expression, key);
    default:
      break;
  }
  return { keys: null, residual: expression };
}

function conjunction(parts: readonly Analysis[]): Analysis {
  let keys: ReadonlySet<string> | null = null;
  const residuals: Expression[] = [];
  for (const part of parts) {
    if (part.residual !== null) residuals.push(part.residual);
    keys = intersect(keys, part.keys);
  }
  const residual =
    residuals.length === 0
      ? null
      : residuals.length === 1
        ? (residuals[0] ?? null)
        : { kind: 'and' as const, operands: residuals };
  return { keys, residual };
}

function intersect(a: ReadonlySet<string> | null, b: ReadonlySet<string> | null): ReadonlySet<string> | null {
  if (a === null) return b;
  if (b === null) return a;
  return new Set([...a].filter((value) => b.has(value)));
}

function disjunction(expression: LogicalNode, key: string): Analysis {
  const keys = new Set<string>();
  let exact = true;
  for (const operand of expression.operands) {
    const part = analyse(operand, key);
    if (part.keys === null) return { keys: null, residual: expression };
    for (const value of part.keys) keys.add(value);
    if (part.residual !== null) exact = false;
  }
  return { keys, residual: exact ? null : expression };
}

function keyEquality(
  side: Expression,
  other: Expression,
  key: string,
): string | number | boolean | null | undefined {
  return isKeyProperty(side, key) && other.kind === 'literal' ? other.value : undefined;
}

function isKeyProperty(expression: Expression, key: string): boolean {
  return (
    expression.kind === 'property' &&
    expression.path.length === 1 &&
    expression.path[0]?.toLowerCase() === key
  );
}

/** A top-level equality the adapter may turn into a store filter (e.g. OData `status eq 'enabled'`). */
export interface TopLevelEquality {
  readonly property: string;
  readonly op: 'eq';
  readonly value: string;
}

/**
 * The `property = 'string'` conjuncts on top-level properties at the root of a condition (the whole condition or the
 * operands of its top-level AND). Each is a necessary condition, so a store may pre-filter on them; the whole condition
 * must still be evaluated on what the store returns (names are as written in the query, while queries match names
 * ignoring case).
 */
export function topLevelEqualities(condition: Expression | null): TopLevelEquality[] {
  if (condition === null) return [];
  const conjuncts = condition.kind === 'and' ? condition.operands : [condition];
  const equalities: TopLevelEquality[] = [];
  for (const conjunct of conjuncts) {
    if (conjunct.kind !== 'comparison' || conjunct.operator !== '=') continue;
    const [property, literal] =
      conjunct.left.kind === 'property' ? [conjunct.left, conjunct.right] : [conjunct.right, conjunct.left];
    if (property.kind !== 'property' || property.path.length !== 1 || literal.kind !== 'literal') continue;
    const [name] = property.path;
    if (name !== undefined && typeof literal.value === 'string')
      equalities.push({ property: name, op: 'eq', value: literal.value });
  }
  return equalities;
}
