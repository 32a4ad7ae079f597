import type { Expression, Primitive } from './query-ast';
import { QUALIFIER_ROOT, RESERVED_WORDS } from './query-keywords';

const PLAIN_NAME = /^[\p{L}_$][\p{L}\p{N}_$]*$/u;
const PLAIN_SEGMENT = /^[\p{L}\p{N}_$]+$/u;

/**
 * Writes an expression back as query text that parses to the same tree (for logs, error messages and for passing a
 * residual condition as text). Compound operands are parenthesised; names that need it are written `[[escaped]]`.
 */
export function formatExpression(expression: Expression): string {
  switch (expression.kind) {
    case 'literal':
      return formatPrimitive(expression.value);
    case 'undefined':
      return 'undefined';
    case 'array':
      return formatArray(expression.elements);
    case 'property':
      return formatPath(expression.path);
    case 'negate':
      return `-${operand(expression.operand)}`;
    case 'not':
      return `NOT ${operand(expression.operand)}`;
    case 'and':
    case 'or':
      return expression.operands.map(operand).join(expression.kind === 'and' ? ' AND ' : ' OR ');
    case 'comparison':
    case 'arithmetic':
      return `${operand(expression.left)} ${expression.operator} ${operand(expression.right)}`;
    case 'in':
      return `${operand(expression.operand)} ${expression.negated ? 'NIN' : 'IN'} ${formatArray(expression.values)}`;
    case 'call':
      return `${expression.name}(${expression.args.map(formatExpression).join(', ')})`;
  }
}

/** A property path as query text, e.g. `tags.[[my-key]].value`. */
export function formatPath(path: readonly string[]): string {
  return path
    .map((segment, index) => {
      const plain =
        index === 0
          ? PLAIN_NAME.test(segment) && !isReservedFirstSegment(segment)
          : PLAIN_SEGMENT.test(segment);
      return plain ? segment : `[[${segment}]]`;
    })
    .join('.');
}

function operand(expression: Expression): string {
  const simple =
    expression.kind === 'literal' ||
    expression.kind === 'undefined' ||
    expression.kind === 'array' ||
    expression.kind === 'property' ||
    expression.kind === 'call';
  return simple ? formatExpression(expression) : `(${formatExpression(expression)})`;
}

function formatArray(elements: readonly Primitive[]): string {
  return `[${elements.map(formatPrimitive).join(', ')}]`;
}

function formatPrimitive(value: Primitive): string {
  if (typeof value !== 'string') return String(value);
  let escaped = '';
  for (const character of value) {
    const code = character.charCodeAt(0);
    if (character === '\\' || character === "'") escaped += `\\${character}`;
    else if (code < 0x20) escaped += `\\u${code.toString(16).padStart(4, '0')}`;
    else escaped += character;
  }
  return `'${escaped}'`;
}

function isReservedFirstSegment(segment: string): boolean {
  const upper = segment.toUpperCase();
  return RESERVED_WORDS.has(upper) || upper === QUALIFIER_ROOT;
}
