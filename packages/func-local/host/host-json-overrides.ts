import type { HostJson } from '../app/app-folder';

/** App settings with this prefix override host.json values, as on Azure (`AzureFunctionsJobHost__path__to__key`). */
export const HOST_JSON_OVERRIDE_PREFIX = 'AzureFunctionsJobHost__';

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The existing key that matches case-insensitively (.NET configuration keys ignore case), else the given one. */
function keyIn(target: JsonObject, key: string): string {
  return Object.keys(target).find((existing) => existing.toLowerCase() === key.toLowerCase()) ?? key;
}

/**
 * Configuration values are text on Azure and bound to the option's type; here the readers expect JSON types, so a
 * value takes the type of what it replaces, and text that reads as a number or a boolean becomes one when nothing
 * is replaced.
 */
function typed(text: string, replaced: unknown): unknown {
  const number = Number(text);
  const numeric = text.trim() !== '' && Number.isFinite(number);
  if (typeof replaced === 'string') return text;
  if (typeof replaced === 'number') return numeric ? number : text;
  if (/^(true|false)$/i.test(text)) return text.toLowerCase() === 'true';
  return numeric ? number : text;
}

/**
 * host.json with every `AzureFunctionsJobHost__a__b` setting of `env` applied at path `a.b` (prefix and keys
 * matched case-insensitively, missing objects created), as the Functions host layers app settings over host.json.
 */
export function withHostJsonOverrides(hostJson: HostJson, env: NodeJS.ProcessEnv): HostJson {
  const result = structuredClone(hostJson) as JsonObject;
  const prefix = HOST_JSON_OVERRIDE_PREFIX.toLowerCase();
  const overrides = Object.entries(env)
    .filter(([name, value]) => value !== undefined && name.toLowerCase().startsWith(prefix))
    .sort(([a], [b]) => a.length - b.length);
  for (const [name, value] of overrides) {
    const path = name.slice(prefix.length).split('__');
    if (path.some((segment) => segment === '')) continue;
    let target = result;
    for (const segment of path.slice(0, -1)) {
      const key = keyIn(target, segment);
      const next = target[key];
      if (!isObject(next)) target[key] = {};
      target = target[key] as JsonObject;
    }
    const last = keyIn(target, path[path.length - 1] ?? '');
    target[last] = typed(value ?? '', target[last]);
  }
  return result;
}
