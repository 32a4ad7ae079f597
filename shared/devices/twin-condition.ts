import { evaluate, parseCondition, type Expression } from '../query';

/** Parsed conditions by text: a job's completion condition is evaluated on many twins. */
const parsed = new Map<string, Expression | null>();
const MAX_KEPT = 256;

/** Whether a query condition (the body of a WHERE clause) holds on a twin document, as a device query reads it. */
export function twinConditionHolds(condition: string, twin: unknown): boolean {
  let expression = parsed.get(condition);
  if (expression === undefined) {
    expression = parseCondition(condition);
    if (parsed.size >= MAX_KEPT) parsed.clear();
    parsed.set(condition, expression);
  }
  return evaluate(expression, twin);
}
