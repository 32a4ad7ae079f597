/**
 * One value a twin patch overwrote: where (`tags` or `desired`, then the keys below it) and what the twin held
 * there before the patch. `value` absent: the key was absent. Recorded down to the leaves the patch sets, or
 * higher where the twin had no object to merge into (the patch then wrote the whole subtree, so restoring means
 * removing or restoring that subtree).
 */
export interface OverwrittenValue {
  path: string[];
  value?: unknown;
}
