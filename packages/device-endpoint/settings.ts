import fs from 'node:fs';
import path from 'node:path';
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

/** `Values` of `<appDir>/local.settings.json` under the environment's own variables. */
export function appEnvironment(
  appDir: string,
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string | undefined> {
  const file = path.join(appDir, 'local.settings.json');
  const values: Record<string, string | undefined> = {};
  if (fs.existsSync(file)) {
    const { Values } = JSON.parse(fs.readFileSync(file, 'utf8')) as { Values?: Record<string, unknown> };
    for (const [key, value] of Object.entries(Values ?? {})) values[key] = String(value);
  }
  return { ...values, ...env };
}

export function readEndpointSettings(env: Record<string, string | undefined>): EndpointSettings {
  if (!env.AzureWebJobsStorage?.trim() && !env.AzureWebJobsStorage__accountName?.trim()) {
    throw new EndpointSettingsError('AzureWebJobsStorage is not set (environment or local.settings.json).');
  }
  let defaultSimulation: SimulationProfile = {};
  const profile = env.SIMULATION_DEFAULT_PROFILE?.trim();
  if (profile) {
    try {
      defaultSimulation = parseSimulationProfile(JSON.parse(profile) as unknown);
    } catch (error: unknown) {
      throw new EndpointSettingsError(`SIMULATION_DEFAULT_PROFILE is invalid: ${(error as Error).message}`);
    }
  }
  return {
    storage: readStorageSettings(env),
    hostName: env.JOBS_HOST_NAME?.trim() || 'localhost',
    defaultSimulation,
  };
}
