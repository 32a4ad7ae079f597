import * as v from 'valibot';

/**
 * Building blocks of the request schemas, each carrying the reason the API has always answered for it. A schema's
 * message is the `ArgumentInvalid` reason; the field is the issue's path (see `schema-problems.ts`).
 */

/** Stands for the dotted name of the object holding the field, filled in when the issue is mapped. */
export const PARENT_FIELD = '\u0000parent\u0000';

export const integerIn = (min: number, max: number) => {
  const message = `must be an integer from ${min} to ${max}`;
  return v.pipe(v.number(message), v.integer(message), v.minValue(min, message), v.maxValue(max, message));
};

export const numberIn = (min: number, max: number) => {
  const message = `must be a number from ${min} to ${max}`;
  return v.pipe(v.number(message), v.finite(message), v.minValue(min, message), v.maxValue(max, message));
};

/**
 * The message of an object schema: a missing field answers what its own schema answers for `undefined` (the
 * entry's reason, e.g. "is required …"), anything else `typeMessage`.
 */
export function objectMessage(entries: v.ObjectEntries, typeMessage: string) {
  return (issue: v.BaseIssue<unknown>): string => {
    const key = issue.path?.at(-1)?.key;
    const entry = typeof key === 'string' && Object.hasOwn(entries, key) ? entries[key] : undefined;
    if (!entry) return typeMessage;
    const answer = v.safeParse(entry, undefined);
    return answer.success ? typeMessage : answer.issues[0].message;
  };
}

/** How {@link closedObject} words its refusals, for bodies whose answers have their own wording. */
export interface ClosedObjectOptions {
  /** The reason a value that is not an object is refused with (default "must be an object"). */
  message?: string;
  /** What the default refusal of an unknown field calls the object (default: its dotted field). */
  parent?: string;
  /** The reason an unknown field is refused with (default "is not a field of <parent> (<its fields>)"). */
  refusal?: string;
  /** Fields that are neither checked nor refused, and left out of the output (read-only fields sent back). */
  ignored?: readonly string[];
}

/**
 * An object of known fields: an unknown field is refused first, naming it; then the fields are checked in order.
 * `null` values of optional fields count as absent and are left out of the output. Arrays are not objects, and
 * keys such as `__proto__` are fields like any other (refused unless known).
 */
export function closedObject<TEntries extends v.ObjectEntries>(
  entries: TEntries,
  options: ClosedObjectOptions = {},
) {
  const known = Object.keys(entries);
  const message = options.message ?? 'must be an object';
  const refusal =
    options.refusal ?? `is not a field of ${options.parent ?? PARENT_FIELD} (${known.join(', ')})`;
  const allowed = new Set([...known, ...(options.ignored ?? [])]);
  return v.pipe(
    plainObject(message),
    v.rawCheck(({ dataset, addIssue }) => {
      if (!dataset.typed) return;
      const unknown = Object.keys(dataset.value).find((key) => !allowed.has(key));
      if (unknown !== undefined) addIssue({ message: refusal, path: keyPath(unknown) });
    }),
    v.object(entries, objectMessage(entries, message)),
    v.transform(withoutAbsent),
  );
}

/** The object without its `null` and `undefined` fields (`null` counts as absent on the wire). */
export function withoutAbsent<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], null> } {
  return Object.fromEntries(
    Object.entries(value).filter(([, item]) => item !== undefined && item !== null),
  ) as { [K in keyof T]: Exclude<T[K], null> };
}

/**
 * A JSON object (not an array, not null), passed through as it is: unlike valibot's object schemas it keeps keys
 * such as `__proto__` and `constructor`, for schemas that read arbitrary keys (names chosen by users).
 */
export const plainObject = (message: string) =>
  v.custom<Record<string, unknown>>(
    (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
    message,
  );

/** One of `values`, answering "must be one of a, b, c". */
export const oneOf = <const TValues extends readonly string[]>(values: TValues) =>
  v.picklist(values, `must be one of ${values.join(', ')}`);

/** Whether a field is present (`null` counts as absent). */
export function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/** A path item naming `key` under the value being checked, for issues a check raises on a nested field. */
export function keyPath(...keys: (string | number)[]): [v.IssuePathItem, ...v.IssuePathItem[]] {
  const items = keys.map((key) => ({
    type: 'unknown',
    origin: 'value',
    input: undefined,
    key,
    value: undefined,
  }));
  return items as [v.IssuePathItem, ...v.IssuePathItem[]];
}
