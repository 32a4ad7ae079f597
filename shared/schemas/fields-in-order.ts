import * as v from 'valibot';
import { keyPath } from '@device-jobs/client/schemas';

/** What {@link fieldsInOrder} does with a field it has no schema for. */
export interface OtherFields {
  /** Fields passed over (e.g. read-only fields a whole object carries along). */
  ignored?: ReadonlySet<string>;
  /** The reason a field that is neither known nor ignored is refused with. */
  refusal: string;
}

type Outputs<TEntries extends v.ObjectEntries> = { [K in keyof TEntries]?: v.InferOutput<TEntries[K]> };

/**
 * The fields of an object checked in the order the input gives them, so the first fault named is the first in the
 * input (valibot's object schemas check in the schema's order): each field with its entry's schema, the issue's path
 * under the field. The output holds the known fields present. Keys are read as own keys, `__proto__` included.
 */
export function fieldsInOrder<TEntries extends v.ObjectEntries>(entries: TEntries, others: OtherFields) {
  return v.rawTransform<Record<string, unknown>, Outputs<TEntries>>(({ dataset, addIssue, NEVER }) => {
    const output: Outputs<TEntries> = {};
    for (const [key, value] of Object.entries(dataset.value)) {
      if (!Object.hasOwn(entries, key)) {
        if (others.ignored?.has(key)) continue;
        addIssue({ message: others.refusal, path: keyPath(key) });
        return NEVER;
      }
      const parsed = v.safeParse(entries[key] as v.GenericSchema, value, { abortEarly: true });
      if (!parsed.success) {
        const [issue] = parsed.issues;
        const inner = (issue.path ?? []).map((item) => item.key as string | number);
        addIssue({ message: issue.message, path: keyPath(key, ...inner) });
        return NEVER;
      }
      output[key as keyof TEntries] = parsed.output;
    }
    return output;
  });
}
