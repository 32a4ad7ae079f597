import type { Expression } from './query-ast';
import { indexPathOf, isIndexedPath } from './index-plan';

/** The types of scalar a twin property may hold (the twin index keys entries by them). */
export type ScalarType = 'string' | 'number' | 'boolean';

/** A condition compares an indexed property with constants of one type: `tags.building = 43`. */
export interface TypedComparison {
  /** The property path as written. */
  readonly path: readonly string[];
  /** Its index path (segments lower-cased, dot-joined). */
  readonly indexPath: string;
  readonly type: ScalarType;
  /** The first constant of that type compared with the path (for a suggestion). */
  readonly value: string | number | boolean;
}

function constantOf(expression: Expression): string | number | boolean | undefined {
  if (expression.kind === 'literal') return expression.value ?? undefined;
  if (expression.kind === 'negate' && expression.operand.kind === 'literal') {
    const value = expression.operand.value;
    return typeof value === 'number' ? -value : undefined;
  }
  return undefined;
}

function scalarType(value: string | number | boolean): ScalarType {
  return typeof value === 'string' ? 'string' : typeof value === 'number' ? 'number' : 'boolean';
}

/**
 * Every comparison (`=`, `!=`, `<`…, `IN`, `NIN`) of an indexed path (below `tags`) with constants in a condition,
 * one per path and constant type, in the order written. Comparisons inside function calls or arithmetic are left out.
 */
export function typedComparisons(condition: Expression | null): TypedComparison[] {
  const found = new Map<string, TypedComparison>();
  const add = (path: readonly string[], value: string | number | boolean) => {
    if (!isIndexedPath(path)) return;
    const comparison = { path, indexPath: indexPathOf(path), type: scalarType(value), value };
    const key = `${comparison.indexPath}\u0001${comparison.type}`;
    if (!found.has(key)) found.set(key, comparison);
  };
  const visit = (expression: Expression): void => {
    switch (expression.kind) {
      case 'and':
      case 'or':
        expression.operands.forEach(visit);
        return;
      case 'not':
        visit(expression.operand);
        return;
      case 'comparison': {
        const { left, right } = expression;
        const [property, constant] =
          left.kind === 'property' ? [left, constantOf(right)] : [right, constantOf(left)];
        if (property.kind === 'property' && constant !== undefined) add(property.path, constant);
        return;
      }
      case 'in':
        if (expression.operand.kind !== 'property') return;
        for (const value of expression.values) if (value !== null) add(expression.operand.path, value);
        return;
      default:
        return;
    }
  };
  if (condition) visit(condition);
  return [...found.values()];
}
