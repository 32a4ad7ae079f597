import * as v from 'valibot';
import { PARENT_FIELD } from './schema-rules';

/** What is wrong with an input: the dotted field and the reason ("must be …"), as the API answers it. */
export interface SchemaProblem {
  field: string;
  reason: string;
}

/**
 * The one mapping from valibot's issues to the answers the API has always given: the dotted field
 * (`rolloutConfig.waves[2].name`) and the schema's own message, which every schema states as IoT Hub's
 * `ArgumentInvalid` reason ("must be …"). Validation stops at the first issue, as the API names one field.
 */
export function fieldOfIssue(field: string, issue: Pick<v.BaseIssue<unknown>, 'path'>): string {
  let path = field;
  for (const item of issue.path ?? []) {
    const key = item.key;
    if (typeof key === 'number') path += `[${key}]`;
    else path += path === '' ? String(key) : `.${String(key)}`;
  }
  return path;
}

/** Parses `value` with `schema`; the first issue becomes a {@link SchemaProblem} naming the dotted field. */
export function parseOrProblem<TSchema extends v.GenericSchema>(
  schema: TSchema,
  value: unknown,
  field: string,
): { value: v.InferOutput<TSchema> } | { problem: SchemaProblem } {
  const result = v.safeParse(schema, value, { abortEarly: true });
  if (result.success) return { value: result.output };
  const issue = result.issues[0];
  const parent = fieldOfIssue(field, { ...issue, path: issue.path?.slice(0, -1) });
  return {
    problem: { field: fieldOfIssue(field, issue), reason: issue.message.replaceAll(PARENT_FIELD, parent) },
  };
}

/** Parses `value` with `schema`, throwing the caller's error for the first issue (see {@link parseOrProblem}). */
export function parseOrThrow<TSchema extends v.GenericSchema>(
  schema: TSchema,
  value: unknown,
  field: string,
  toError: (problem: SchemaProblem) => Error,
): v.InferOutput<TSchema> {
  const parsed = parseOrProblem(schema, value, field);
  if ('problem' in parsed) throw toError(parsed.problem);
  return parsed.value;
}
