import type { Expression, Primitive, PropertyNode } from './query-ast';
import { evaluate } from './query-evaluator';
import { readPath, type JsonValue } from './query-values';

/** One entry of a twin index: a property path (segments lower-cased, dot-joined) holding a scalar value. */
export interface IndexEntry {
  readonly path: string;
  readonly value: string | number | boolean;
}

/**
 * Whether a twin property path is indexed: scalar values anywhere below `tags` (not inside arrays). Tags are what
 * fleets are selected by; desired properties (changed by every twin job) and reported ones (written by devices) are
 * left out so their writes stay cheap.
 */
export function isIndexedPath(path: readonly string[]): boolean {
  return path.length >= 2 && path[0]?.toLowerCase() === 'tags';
}

/** The index path of a property path: names match ignoring case in queries, so the index folds case. */
export function indexPathOf(path: readonly string[]): string {
  return path.map((segment) => segment.toLowerCase()).join('.');
}

function scalar(value: Primitive): value is string | number | boolean {
  return value !== null;
}

/**
 * The indexed tag property an equality with a constant, or a (non-negated) `IN`, pins, and the constants it is
 * pinned to; undefined for any other condition.
 */
function pinnedTag(
  condition: Expression,
): { property: PropertyNode; values: readonly Primitive[] } | undefined {
  if (condition.kind === 'in') {
    const { operand } = condition;
    return !condition.negated && operand.kind === 'property' && isIndexedPath(operand.path)
      ? { property: operand, values: condition.values }
      : undefined;
  }
  if (condition.kind !== 'comparison' || condition.operator !== '=') return undefined;
  const [property, literal] =
    condition.left.kind === 'property'
      ? [condition.left, condition.right]
      : [condition.right, condition.left];
  return property.kind === 'property' && literal.kind === 'literal' && isIndexedPath(property.path)
    ? { property, values: [literal.value] }
    : undefined;
}

/**
 * The index entries whose devices include every document satisfying `condition`, or undefined when the condition
 * does not pin an indexed path to constants. Equality and `IN` on an indexed path give entries; `AND` takes its
 * operand with the fewest entries; `OR` needs entries from every branch and takes them all; anything else (ranges,
 * `NOT`, `!=`, functions, unindexed paths) gives none. The candidates may be more than the matches (names fold case,
 * other conjuncts are not applied), so the caller must still evaluate the whole condition on each of them.
 */
export function planIndexLookups(condition: Expression | null): IndexEntry[] | undefined {
  if (condition === null) return undefined;
  switch (condition.kind) {
    case 'comparison':
    case 'in': {
      const pinned = pinnedTag(condition);
      if (pinned === undefined) return undefined;
      const path = indexPathOf(pinned.property.path);
      // `x = null` matches nothing in a twin (twins hold no nulls).
      return pinned.values.filter(scalar).map((value) => ({ path, value }));
    }
    case 'and':
      return planIndexChoices(condition)?.[0];
    case 'or': {
      const all: IndexEntry[] = [];
      for (const operand of condition.operands) {
        const entries = planIndexLookups(operand);
        if (entries === undefined) return undefined;
        all.push(...entries);
      }
      return all;
    }
    default:
      return undefined;
  }
}

/**
 * The index lookups a condition can use, each enough alone ({@link planIndexLookups}): one for most conditions; for
 * an `AND` whose operands tie on the fewest entries, each of them. Which one selects the fewest devices is a fact of
 * the fleet, not of the query (`tags.env = 'prod' AND tags.site = 'b3'`): the caller reads each one's first index
 * page and takes the sparsest.
 */
export function planIndexChoices(condition: Expression | null): IndexEntry[][] | undefined {
  if (condition?.kind !== 'and') {
    const entries = planIndexLookups(condition);
    return entries && [entries];
  }
  const planned = condition.operands
    .map(planIndexLookups)
    .filter((entries): entries is IndexEntry[] => entries !== undefined);
  const fewest = Math.min(...planned.map((entries) => entries.length));
  return planned.length === 0 ? undefined : planned.filter((entries) => entries.length === fewest);
}

/**
 * Whether a device may satisfy `condition` by what a copy of its tags shows (the copy an index entry carries, see
 * docs/devices.md "Covering entries"). False only when an equality or `IN` on a tag path that the condition needs
 * (under AND and OR, never under NOT or a function) is decided false by a scalar the copy holds at that path; a
 * path the copy does not hold as a scalar (missing, an object or an array, or behind one) leaves the device in.
 * Sound when the device's tags hold every scalar of the copy at the same path (ignoring case as queries do) with
 * the same value: the device's own twin must still be evaluated.
 */
export function mayMatchTags(condition: Expression | null, tags: JsonValue): boolean {
  if (condition === null) return true;
  switch (condition.kind) {
    case 'comparison':
    case 'in': {
      const pinned = pinnedTag(condition);
      if (pinned === undefined) return true;
      const document = { tags };
      const held = readPath(document, pinned.property.path);
      if (typeof held !== 'string' && typeof held !== 'number' && typeof held !== 'boolean') return true;
      return evaluate(condition, document);
    }
    case 'and':
      return condition.operands.every((operand) => mayMatchTags(operand, tags));
    case 'or':
      return condition.operands.some((operand) => mayMatchTags(operand, tags));
    default:
      return true;
  }
}
