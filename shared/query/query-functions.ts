import type { FunctionName } from './query-ast';
import { kindOf, type QueryValue } from './query-values';

/** A built-in function: its arity and what it computes from evaluated arguments. */
interface QueryFunction {
  readonly arity: number;
  readonly apply: (args: readonly QueryValue[]) => QueryValue;
}

const typeCheck =
  (...kinds: readonly string[]) =>
  (args: readonly QueryValue[]): boolean =>
    kinds.includes(kindOf(args[0]));

const stringTest =
  (test: (text: string, part: string) => boolean) =>
  (args: readonly QueryValue[]): QueryValue => {
    const [text, part] = args;
    return typeof text === 'string' && typeof part === 'string' ? test(text, part) : undefined;
  };

/** The supported functions by canonical name; type checks always answer a boolean, even for undefined. */
export const QUERY_FUNCTIONS: Readonly<Record<FunctionName, QueryFunction>> = {
  IS_DEFINED: { arity: 1, apply: (args) => kindOf(args[0]) !== 'undefined' },
  IS_NULL: { arity: 1, apply: typeCheck('null') },
  IS_BOOL: { arity: 1, apply: typeCheck('boolean') },
  IS_NUMBER: { arity: 1, apply: typeCheck('number') },
  IS_STRING: { arity: 1, apply: typeCheck('string') },
  IS_OBJECT: { arity: 1, apply: typeCheck('object') },
  IS_ARRAY: { arity: 1, apply: typeCheck('array') },
  IS_PRIMITIVE: { arity: 1, apply: typeCheck('null', 'boolean', 'number', 'string') },
  STARTSWITH: { arity: 2, apply: stringTest((text, prefix) => text.startsWith(prefix)) },
  ENDSWITH: { arity: 2, apply: stringTest((text, suffix) => text.endsWith(suffix)) },
  CONTAINS: { arity: 2, apply: stringTest((text, part) => text.includes(part)) },
};

const SPELLING_ALIASES: ReadonlyMap<string, FunctionName> = new Map<string, FunctionName>([
  ['STARTS_WITH', 'STARTSWITH'],
  ['ENDS_WITH', 'ENDSWITH'],
]);

/** Resolves a function name as written (any case, `STARTS_WITH` or `STARTSWITH`) to its canonical name. */
export function resolveFunctionName(written: string): FunctionName | undefined {
  const upper = written.toUpperCase();
  if (Object.prototype.hasOwnProperty.call(QUERY_FUNCTIONS, upper)) return upper as FunctionName;
  return SPELLING_ALIASES.get(upper);
}
