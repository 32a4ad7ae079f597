import * as v from 'valibot';
import { parseOrProblem, type SchemaProblem } from '@device-jobs/client/schemas';

/** How a list names its entries' problems and which entries it refuses twice. */
export interface EntryListWording {
  /** The whole answer for an entry's first problem (its field relative to the entry, its reason). */
  problem: (problem: SchemaProblem, item: unknown, index: number) => string;
  /** Entries that may appear once: the key of a raw entry whose key is valid (else `undefined`) and the answer. */
  distinct?: { keyOf: (item: unknown) => string | undefined; message: (key: string) => string };
}

/**
 * A list read entry by entry in order, each with `entry`: the first problem (a repeated key, or an entry's own)
 * stops the reading and becomes the list's one reason, worded by the list. Lists whose answers name the entry
 * (`Entry 3: id …`, `policy ops has …`) rather than a dotted field use it.
 */
export function entryList<TEntry extends v.GenericSchema>(entry: TEntry, wording: EntryListWording) {
  return v.rawTransform<unknown[], v.InferOutput<TEntry>[]>(({ dataset, addIssue, NEVER }) => {
    const { distinct } = wording;
    const seen = new Set<string>();
    const entries: v.InferOutput<TEntry>[] = [];
    for (const [index, item] of dataset.value.entries()) {
      const key = distinct?.keyOf(item);
      if (distinct && key !== undefined) {
        if (seen.has(key)) {
          addIssue({ message: distinct.message(key) });
          return NEVER;
        }
        seen.add(key);
      }
      const parsed = parseOrProblem(entry, item, '');
      if ('problem' in parsed) {
        addIssue({ message: wording.problem(parsed.problem, item, index) });
        return NEVER;
      }
      entries.push(parsed.value);
    }
    return entries;
  });
}
