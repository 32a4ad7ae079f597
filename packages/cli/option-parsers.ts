import fs from 'node:fs';
import { InvalidArgumentError } from 'commander';
import * as v from 'valibot';
import { MAX_JOB_PRIORITY, MIN_JOB_PRIORITY } from '@device-jobs/client';
import { PrioritySchema } from '@device-jobs/client/schemas';

/**
 * The options' values as valibot schemas over the text commander hands in; each schema's message is the line the
 * user sees after commander's "argument '…' is invalid." (`optionParser` throws it as an InvalidArgumentError).
 */

/** A commander argument parser from a schema over the option's text; the first issue's message is the error. */
export function optionParser<TSchema extends v.GenericSchema>(
  schema: TSchema,
): (value: string) => v.InferOutput<TSchema> {
  return (value) => {
    const result = v.safeParse(schema, value, { abortEarly: true });
    if (!result.success) throw new InvalidArgumentError(result.issues[0].message);
    return result.output;
  };
}

/** Text that reads as a number (`Number`'s reading: blanks around it, `1e3`, `0x10`); empty text does not. */
const numberText = (message: string) =>
  v.pipe(
    v.string(message),
    v.check((text) => text.trim() !== '', message),
    v.transform(Number),
    v.number(message),
  );

const integerFrom = (min: number) => {
  const message = `Must be a whole number of at least ${min}.`;
  return optionParser(v.pipe(numberText(message), v.integer(message), v.minValue(min, message)));
};

export const positiveInteger = integerFrom(1);
export const nonNegativeInteger = integerFrom(0);

const PRIORITY_RULE = `Must be a whole number from ${MIN_JOB_PRIORITY} to ${MAX_JOB_PRIORITY}.`;

/** A job's share weight in the device-operation budget: the contract's `priority` schema, in the CLI's words. */
export const jobPriority = optionParser(
  v.pipe(
    numberText(PRIORITY_RULE),
    v.check((priority) => v.is(PrioritySchema, priority), PRIORITY_RULE),
  ),
);

const PERCENTAGE_RULE = 'Must be a number from 0 to 100.';

export const percentage = optionParser(
  v.pipe(numberText(PERCENTAGE_RULE), v.minValue(0, PERCENTAGE_RULE), v.maxValue(100, PERCENTAGE_RULE)),
);

const POSITIVE_RULE = 'Must be a positive number.';

export const positiveNumber = optionParser(
  v.pipe(numberText(POSITIVE_RULE), v.finite(POSITIVE_RULE), v.gtValue(0, POSITIVE_RULE)),
);

/** Ids separated by commas, spaces or new lines. */
const IdListSchema = v.pipe(
  v.string(),
  v.transform((text) => text.split(/[\s,]+/).filter((id) => id.length > 0)),
  v.minLength(1, 'Name at least one device id.'),
);

export const idList = optionParser(IdListSchema);

/** Reads a file the user named; a failure is the option's error. */
function readText(path: string): string {
  try {
    return fs.readFileSync(path, 'utf8');
  } catch (error: unknown) {
    throw new InvalidArgumentError(`Cannot read ${path}: ${(error as Error).message}`);
  }
}

/** Reads `@path` from a file, anything else is the value itself (as `az` does for JSON arguments). */
function textOrFile(value: string): string {
  return value.startsWith('@') ? readText(value.slice(1)) : value;
}

/** A file of device ids, one a line (commas and spaces also separate; `#` starts a comment). */
export function idFile(path: string): string[] {
  const withoutComments = readText(path)
    .split(/\r?\n/)
    .map((line) => line.replace(/#.*$/, ''))
    .join('\n');
  const ids = v.safeParse(IdListSchema, withoutComments);
  if (!ids.success) throw new InvalidArgumentError(`${path} holds no device id.`);
  return ids.output;
}

const JsonSchema = v.pipe(
  v.string(),
  v.parseJson(undefined, (issue) => `Not valid JSON: ${issue.received.slice(1, -1)}`),
);

/** A JSON value, inline or `@file`. */
export const jsonValue = (value: string): unknown => optionParser(JsonSchema)(textOrFile(value));

const JsonObjectSchema = v.pipe(
  JsonSchema,
  v.custom<Record<string, unknown>>(
    (parsed) => typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed),
    'Must be a JSON object.',
  ),
);

/** A JSON object, inline or `@file`. */
export const jsonObject = (value: string): Record<string, unknown> =>
  optionParser(JsonObjectSchema)(textOrFile(value));

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };
const START_RULE = 'Use an ISO-8601 time with its zone (2026-12-01T02:00:00Z) or +<n>s|m|h|d.';

/** `+<n>s|m|h|d`: seconds from now. */
const RelativeStartSchema = v.pipe(
  v.string(),
  v.trim(),
  v.regex(/^\+\d+[smhd]$/, START_RULE),
  v.transform((text) => Number(text.slice(1, -1)) * (UNIT_SECONDS[text.slice(-1)] ?? 1)),
);

/** An ISO-8601 time with its zone, passed on as written (the service validates it and answers the field's error). */
const AbsoluteStartSchema = v.pipe(
  v.string(),
  v.trim(),
  v.regex(/^\d{4}-\d{2}-\d{2}T/, START_RULE),
  v.check((text) => !Number.isNaN(Date.parse(text)), START_RULE),
);

/** A start time: `+<n>s|m|h|d` from now, or an ISO-8601 time with its zone. */
export function startTime(value: string, now: () => number = Date.now): string {
  const relative = v.safeParse(RelativeStartSchema, value);
  if (relative.success) return new Date(now() + relative.output * 1000).toISOString();
  return optionParser(AbsoluteStartSchema)(value);
}

/** One of `values`, as written. */
export function choice<T extends string>(values: readonly T[]): (value: string) => T {
  return optionParser(v.picklist(values, `Must be one of ${values.join(', ')}.`));
}
