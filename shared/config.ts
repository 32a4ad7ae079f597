import { ACCESS_RIGHTS, type AccessPolicy, type AccessRight } from './http/sas-authorizer';
import { isPlainObject } from './http/json-body';
import { parseSimulationProfile, type SimulationProfile } from './devices/simulated/simulation-profile';

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

export type DeviceGatewayKind = 'simulated' | 'iothub';

/** The app's settings, typed and validated. */
export interface AppConfig {
  /** AzureWebJobsStorage: Table and Queue storage of the app. */
  storageConnectionString: string;
  /** JOBS_HOST_NAME: the host name SAS tokens are issued for (default `localhost`). */
  hostName: string;
  /** JOBS_ACCESS_POLICIES: the shared access policies. */
  accessPolicies: AccessPolicy[];
  devices: {
    /** DEVICE_GATEWAY: where devices live (default `simulated`, the embedded registry). */
    gateway: DeviceGatewayKind;
    /** IOTHUB_CONNECTION_STRING: service connection string of the hub, required with DEVICE_GATEWAY=iothub. */
    iothubConnectionString: string | undefined;
    /**
     * IOTHUB_PLAIN_HTTP_PORT: tests and local hubs only. Sends the SDK's requests as plain HTTP to
     * 127.0.0.1:<port> instead of HTTPS to the hub.
     */
    iothubPlainHttpPort: number | undefined;
    /** SIMULATION_DEFAULT_PROFILE: the simulation profile of devices without their own (JSON). */
    defaultSimulation: SimulationProfile;
    /** SIMULATION_SEED: makes simulated outcomes deterministic; absent means random. */
    simulationSeed: string | undefined;
    /** DEMO_FLEET_SIZE: devices created at start when the embedded registry is empty (default 0: none). */
    demoFleetSize: number;
  };
}

type Env = Record<string, string | undefined>;

const DEFAULT_SIMULATION: SimulationProfile = { latencyMs: [20, 80], failureRate: 0 };

function parseJson(env: Env, setting: string): unknown {
  try {
    return JSON.parse(env[setting] ?? '') as unknown;
  } catch {
    throw new ConfigError(setting, 'is not valid JSON.');
  }
}

function required(env: Env, setting: string): string {
  const value = env[setting]?.trim();
  if (!value) throw new ConfigError(setting, 'is missing.');
  return value;
}

function readPolicies(env: Env): AccessPolicy[] {
  const setting = 'JOBS_ACCESS_POLICIES';
  required(env, setting);
  const value = parseJson(env, setting);
  if (!Array.isArray(value) || value.length === 0) {
    throw new ConfigError(setting, 'must be a non-empty JSON list of {"name","key","rights"}.');
  }
  return value.map((entry: unknown, index) => {
    const where = `entry ${index}`;
    if (!isPlainObject(entry)) throw new ConfigError(setting, `${where} is not an object.`);
    const { name, key, rights } = entry;
    if (typeof name !== 'string' || name === '') throw new ConfigError(setting, `${where} has no name.`);
    if (
      typeof key !== 'string' ||
      !/^[A-Za-z0-9+/]+={0,2}$/.test(key) ||
      Buffer.from(key, 'base64').length < 16
    ) {
      throw new ConfigError(setting, `policy ${name} needs a base64 key of at least 16 bytes.`);
    }
    if (!Array.isArray(rights) || rights.some((r) => !ACCESS_RIGHTS.includes(r as AccessRight))) {
      throw new ConfigError(setting, `policy ${name} has rights outside ${ACCESS_RIGHTS.join(', ')}.`);
    }
    return { name, key, rights: rights as AccessRight[] };
  });
}

function readPort(env: Env, setting: string): number | undefined {
  const raw = env[setting]?.trim();
  if (!raw) return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new ConfigError(setting, 'must be a port number.');
  return port;
}

function readCount(env: Env, setting: string, max: number): number {
  const raw = env[setting]?.trim();
  if (!raw) return 0;
  const count = Number(raw);
  if (!Number.isInteger(count) || count < 0 || count > max) {
    throw new ConfigError(setting, `must be a whole number from 0 to ${max}.`);
  }
  return count;
}

/** Reads and validates the settings; throws a ConfigError naming the first missing or invalid one. */
export function loadConfig(env: Env = process.env): AppConfig {
  const gatewaySetting = env.DEVICE_GATEWAY?.trim() || 'simulated';
  if (gatewaySetting !== 'simulated' && gatewaySetting !== 'iothub') {
    throw new ConfigError('DEVICE_GATEWAY', 'must be "simulated" or "iothub".');
  }
  const gateway: DeviceGatewayKind = gatewaySetting;
  let defaultSimulation = DEFAULT_SIMULATION;
  if (env.SIMULATION_DEFAULT_PROFILE?.trim()) {
    try {
      defaultSimulation = {
        ...DEFAULT_SIMULATION,
        ...parseSimulationProfile(parseJson(env, 'SIMULATION_DEFAULT_PROFILE')),
      };
    } catch (error: unknown) {
      if (error instanceof ConfigError) throw error;
      throw new ConfigError('SIMULATION_DEFAULT_PROFILE', `is invalid: ${(error as Error).message}`);
    }
  }
  return {
    storageConnectionString: required(env, 'AzureWebJobsStorage'),
    hostName: env.JOBS_HOST_NAME?.trim() || 'localhost',
    accessPolicies: readPolicies(env),
    devices: {
      gateway,
      iothubConnectionString:
        gateway === 'iothub' ? required(env, 'IOTHUB_CONNECTION_STRING') : env.IOTHUB_CONNECTION_STRING,
      iothubPlainHttpPort: readPort(env, 'IOTHUB_PLAIN_HTTP_PORT'),
      defaultSimulation,
      simulationSeed: env.SIMULATION_SEED?.trim() || undefined,
      demoFleetSize: readCount(env, 'DEMO_FLEET_SIZE', 100_000),
    },
  };
}
