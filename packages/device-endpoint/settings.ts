import fs from 'node:fs';
import path from 'node:path';
import * as v from 'valibot';
import {
  parseSimulationProfile,
  type SimulationProfile,
} from '../../shared/devices/simulated/simulation-profile';
import { readStorageSettings, type StorageSettings } from '../../shared/storage/storage-settings';

/** The app settings the endpoint reads, like the local host: the environment first, then local.settings.json. */
export interface EndpointSettings {
  storage: StorageSettings;
  hostName: string;
  defaultSimulation: SimulationProfile;
}

export class EndpointSettingsError extends Error {
  override name = 'EndpointSettingsError';
}

/** local.settings.json as far as the endpoint reads it: `Values`, each read as text as the host reads it. */
const LocalSettingsSchema = v.looseObject({
  Values: v.optional(
    v.pipe(
      v.record(v.string(), v.unknown()),
      v.transform((values) => Object.entries(values).map(([key, value]) => [key, String(value)] as const)),
    ),
    {},
  ),
});

/** `Values` of `<appDir>/local.settings.json` under the environment's own variables. */
export function appEnvironment(
  appDir: string,
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string | undefined> {
  const file = path.join(appDir, 'local.settings.json');
  if (!fs.existsSync(file)) return { ...env };
  const settings = v.safeParse(LocalSettingsSchema, JSON.parse(fs.readFileSync(file, 'utf8')));
  if (!settings.success) throw new EndpointSettingsError(`${file}: "Values" must be an object of settings.`);
  return { ...Object.fromEntries(settings.output.Values), ...env };
}

const text = v.pipe(v.string(), v.trim());

/** The settings the endpoint needs, read from the app's environment. */
const EndpointEnvironmentSchema = v.pipe(
  v.looseObject({
    AzureWebJobsStorage: v.optional(v.string()),
    AzureWebJobsStorage__accountName: v.optional(v.string()),
  }),
  v.check(
    (env) => !!env.AzureWebJobsStorage?.trim() || !!env.AzureWebJobsStorage__accountName?.trim(),
    'AzureWebJobsStorage is not set (environment or local.settings.json).',
  ),
  v.looseObject({
    JOBS_HOST_NAME: v.optional(text, ''),
    SIMULATION_DEFAULT_PROFILE: v.optional(
      v.pipe(
        text,
        v.rawTransform(({ dataset, addIssue, NEVER }) => {
          if (dataset.value === '') return {};
          try {
            return parseSimulationProfile(JSON.parse(dataset.value) as unknown);
          } catch (error: unknown) {
            addIssue({ message: `SIMULATION_DEFAULT_PROFILE is invalid: ${(error as Error).message}` });
            return NEVER;
          }
        }),
      ),
      '',
    ),
  }),
);

export function readEndpointSettings(env: Record<string, string | undefined>): EndpointSettings {
  const read = v.safeParse(EndpointEnvironmentSchema, env, { abortEarly: true });
  if (!read.success) throw new EndpointSettingsError(read.issues[0].message);
  return {
    storage: readStorageSettings(env),
    hostName: read.output.JOBS_HOST_NAME || 'localhost',
    defaultSimulation: read.output.SIMULATION_DEFAULT_PROFILE,
  };
}
