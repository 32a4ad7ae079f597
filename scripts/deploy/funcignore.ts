import fs from 'node:fs';
import path from 'node:path';
import ignore from 'ignore';

/** The rules file azd (`.funcignore` for Function Apps) and Core Tools read from the folder they zip. */
export const FUNCIGNORE = '.funcignore';

/**
 * The files under `folder` that `.funcignore` keeps, as relative `/`-separated paths, with gitignore semantics (the
 * `ignore` package; azd uses a gitignore matcher too): a folder left out is not entered. Folders named in `skip`
 * are not entered either (the caller handles them).
 */
export function filesKeptBy(folder: string, rules: string, skip: readonly string[] = []): string[] {
  const matcher = ignore().add(rules);
  const kept: string[] = [];
  const walk = (relative: string) => {
    for (const entry of fs.readdirSync(path.join(folder, relative), { withFileTypes: true })) {
      const name = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!skip.includes(name) && !matcher.ignores(`${name}/`)) walk(name);
      } else if (!matcher.ignores(name)) kept.push(name);
    }
  };
  walk('');
  return kept.sort();
}

/** The rules of `folder/.funcignore` (empty when there is none). */
export function readFuncignore(folder: string): string {
  const file = path.join(folder, FUNCIGNORE);
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
}
