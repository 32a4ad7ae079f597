import * as v from 'valibot';
import { parseOrThrow } from '@device-jobs/client/schemas';

/** A missing or invalid app setting; the message names the setting. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly setting: string,
    problem: string,
  ) {
    super(`App setting ${setting} ${problem}`);
  }
}

/** App settings as the process environment holds them. */
export type Env = Record<string, string | undefined>;

/**
 * Reads a group of settings with its schema (`v.object` keyed by setting name, checked in the entries' order); the
 * first invalid one stops the app with a {@link ConfigError} naming it. Reasons end with a full stop.
 */
export function readSettings<TSchema extends v.GenericSchema>(
  schema: TSchema,
  env: Env,
): v.InferOutput<TSchema> {
  return parseOrThrow(schema, env, '', ({ field, reason }) => new ConfigError(field, reason));
}

/**
 * A group of settings: an object schema keyed by the settings' names (test/unit/deploy/infra-settings.test.ts finds
 * the settings the app reads by these keys).
 */
export const settingGroup = <TEntries extends v.ObjectEntries>(entries: TEntries) => v.object(entries);

/** A setting's text, trimmed; absent or blank is `undefined`. */
export const textSetting = v.pipe(
  v.optional(v.string(), ''),
  v.transform((raw): string | undefined => raw.trim() || undefined),
);

/** A whole number from `min` to `max`; absent or blank is `fallback`. */
export const wholeNumberSetting = (fallback: number, min: number, max: number) => {
  const message = `must be a whole number from ${min} to ${max}.`;
  return v.pipe(
    textSetting,
    v.transform((raw) => (raw === undefined ? fallback : Number(raw))),
    v.integer(message),
    v.minValue(min, message),
    v.maxValue(max, message),
  );
};

/** An NCRONTAB schedule of six fields (seconds first); absent or blank is `fallback`. */
export const scheduleSetting = (fallback: string) =>
  v.pipe(
    textSetting,
    v.transform((raw) => raw ?? fallback),
    v.check(
      (schedule) => schedule.split(/\s+/).length === 6,
      'must be an NCRONTAB expression of six fields (seconds first).',
    ),
  );

/** A TCP port; absent or blank is `undefined`. */
export const portSetting = v.pipe(
  textSetting,
  v.transform((raw) => (raw === undefined ? undefined : Number(raw))),
  v.check(
    (port) => port === undefined || (Number.isInteger(port) && port >= 1 && port <= 65535),
    'must be a port number.',
  ),
);

const KEY_VAULT_REFERENCE = /^@Microsoft\.KeyVault\(/i;

/**
 * A required setting holding JSON, parsed as written. App Service leaves a Key Vault reference it cannot resolve as
 * its own text (`@Microsoft.KeyVault(...)`), so the app would see the reference instead of the secret: say so rather
 * than report a JSON error.
 */
export const requiredJsonSetting = v.pipe(
  v.optional(v.string(), ''),
  v.check((raw) => raw.trim() !== '', 'is missing.'),
  v.check(
    (raw) => !KEY_VAULT_REFERENCE.test(raw.trim()),
    'is an unresolved Key Vault reference (@Microsoft.KeyVault(...)): the platform could not read the secret. ' +
      "Check that the app's identity (keyVaultReferenceIdentity) has Key Vault Secrets User on the vault and " +
      "that the secret exists; the reference status is shown under the app's Environment variables.",
  ),
  v.parseJson(undefined, 'is not valid JSON.'),
);
