import { ACCESS_RIGHTS, type AccessPolicy, type AccessRight } from './http/sas-authorizer';
import { isPlainObject } from './iothub-rules';
import { parseSimulationProfile, type SimulationProfile } from './devices/simulated/simulation-profile';
import { IOTHUB_SKUS, jobsDeviceOperationsPerSecond } from './devices/iothub/hub-throttles';
import { parseFunctionTimeout } from './jobs/core/activity-time';
import {
  DEFAULT_ACTIVITY_LIMITS,
  DEFAULT_FUNCTION_TIMEOUT_MS,
  DEFAULT_JOB_SETTINGS,
  type ActivityLimits,
  type JobSettings,
} from './jobs/core/job-settings';
import { PUBLISHED_DEVELOPMENT_KEY, reachabilityOf, runsInAzure } from './reachability';
import { readStorageSettings, type StorageSettings } from './storage/storage-settings';
import {
  ConfigError,
  portSetting,
  readSettings,
  requiredJsonSetting,
  scheduleSetting,
  settingGroup,
  textSetting,
  wholeNumberSetting,
  type Env,
} from './setting-schemas';
import * as v from 'valibot';
import { keyPath, objectMessage, plainObject, type SchemaProblem } from '@device-jobs/client/schemas';
import { entryList } from './schemas/entry-list';

export { ConfigError } from './setting-schemas';

export type DeviceGatewayKind = v.InferOutput<typeof GatewaySettingSchema>['DEVICE_GATEWAY'];

/** The app's settings, typed and validated. */
export interface AppConfig {
  /** AzureWebJobsStorage, or its identity-based settings (AzureWebJobsStorage__accountName, …): the app's tables. */
  storage: StorageSettings;
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
    /** DEVICE_QUERY_PLAN_LOG: `true` logs (debug) the access path each twin query takes, index or scan, and why. */
    queryPlanLog: boolean;
    /** REGISTRY_JOB_CHUNK_SIZE: devices per export block and lines per import chunk (default 1,000). */
    registryJobChunkSize: number;
  };
  jobs: JobsConfig;
  /**
   * Whether the app runs in Azure ({@link runsInAzure}: WEBSITE_INSTANCE_ID, WEBSITE_SKU or WEBSITE_SITE_NAME;
   * never CONTAINER_NAME, which container runtimes set on developers' machines too).
   */
  runsInAzure: boolean;
}

/** Settings of the jobs engine and its maintenance timers. */
export interface JobsConfig {
  /** JOB_MAX_DEVICES_IN_FLIGHT, JOB_SHARD_SIZE, JOB_ACTIVITY_MAX_ATTEMPTS. */
  settings: JobSettings;
  /**
   * JOB_ACTIVITY_TIME_BUDGET_SECONDS (default 120) and the host's functionTimeout (the app setting
   * `AzureFunctionsJobHost__functionTimeout`, else host.json's `functionTimeout`, else 5 minutes).
   */
  limits: ActivityLimits;
  /** JOBS_MAX_ACTIVE_JOBS: most jobs queued, scheduled or running at once (default 100); more answer 429. */
  maxActiveJobs: number;
  /** JOBS_TABLE_PREFIX: prefix of the jobs tables (default none: `jobs`, `jobdeviceids`, `devicejobs`). */
  tablePrefix: string;
  /** JOB_RETENTION_DAYS: finished jobs are purged this long after they ended (default 30, as IoT Hub). */
  retentionDays: number;
  /** JOB_RETENTION_SCHEDULE: NCRONTAB schedule of the retention timer (default hourly). */
  retentionSchedule: string;
  /** JOB_RECONCILIATION_SCHEDULE: NCRONTAB schedule of the reconciliation timer (default every 5 minutes). */
  reconciliationSchedule: string;
  /** JOB_RECONCILIATION_GRACE_SECONDS: jobs younger than this are left alone by reconciliation (default 300). */
  reconciliationGraceSeconds: number;
  /**
   * JOB_SCHEDULES_TICK_SCHEDULE: NCRONTAB of the backstop timer firing occurrences their schedule's own durable
   * timer missed (default every minute).
   */
  schedulesTickSchedule: string;
  events: JobEventsConfig;
  /**
   * JOBS_DEVICE_OPERATIONS_PER_SECOND: the device-operation budget every running job shares; with
   * DEVICE_GATEWAY=iothub it defaults to the hub's jobs throttle for IOTHUB_SKU and IOTHUB_UNITS. Absent: none.
   */
  deviceOperationsPerSecond?: number;
}

/** Where job events go. */
export interface JobEventsConfig {
  /** JOB_EVENTS_QUEUE: the Storage queue of job events (default `job-events`); set empty to publish none. */
  queueName: string | undefined;
  /** JOB_PROGRESS_EVENT_SECONDS: least seconds between two progress events of a job (default 10). */
  progressIntervalSeconds: number;
  /** JOB_EVENTS_SWEEP_SCHEDULE: NCRONTAB of the timer publishing events left behind (default every minute). */
  sweepSchedule: string;
}

const DEFAULT_SIMULATION: SimulationProfile = { latencyMs: [20, 80], failureRate: 0 };

const BASE64_KEY = /^[A-Za-z0-9+/]+={0,2}$/;

const policyKey = (message: string) =>
  v.custom<string>(
    (value) =>
      typeof value === 'string' && BASE64_KEY.test(value) && Buffer.from(value, 'base64').length >= 16,
    message,
  );

const POLICY_ENTRIES = {
  // Checked first in PolicyEntrySchema (its own answer); typed here.
  name: v.string(),
  key: policyKey('needs a base64 primaryKey (or key) of at least 16 bytes.'),
  secondaryKey: v.optional(policyKey('must be base64 of at least 16 bytes.')),
  rights: v.custom<AccessRight[]>(
    (rights) =>
      Array.isArray(rights) && rights.every((right) => (ACCESS_RIGHTS as readonly unknown[]).includes(right)),
    `has rights outside ${ACCESS_RIGHTS.join(', ')}.`,
  ),
};

/** One shared access policy, its rules in the order they have always been reported. */
const PolicyEntrySchema = v.pipe(
  plainObject('is not an object.'),
  v.check((entry) => typeof entry.name === 'string' && entry.name !== '', 'has no name.'),
  v.check(
    ({ key, primaryKey }) => key === undefined || primaryKey === undefined || key === primaryKey,
    'has both "key" and "primaryKey": give one of them.',
  ),
  v.transform(({ key, primaryKey, ...entry }) => ({ ...entry, key: primaryKey ?? key })),
  v.looseObject(POLICY_ENTRIES, objectMessage(POLICY_ENTRIES, 'is not an object.')),
  v.transform(({ name, key, secondaryKey, rights }): AccessPolicy => ({
    name,
    key,
    ...(secondaryKey !== undefined ? { secondaryKey } : {}),
    rights,
  })),
);

/** Fields whose reasons speak of the whole policy (`policy ops needs a base64 primaryKey …`). */
const POLICY_WIDE_FIELDS = ['', 'key', 'rights'];

/** A policy's problem names the policy once it has a name, else the entry's index. */
function policyProblem({ field, reason }: SchemaProblem, entry: unknown, index: number): string {
  const name = isPlainObject(entry) ? entry.name : undefined;
  const subject = typeof name === 'string' && name !== '' ? `policy ${name}` : `entry ${index}`;
  return POLICY_WIDE_FIELDS.includes(field) ? `${subject} ${reason}` : `${subject}: ${field} ${reason}`;
}

const POLICIES_RULE =
  'must be a non-empty JSON list of {"name","primaryKey","secondaryKey","rights"} ("key" = "primaryKey").';

const AccessPoliciesSchema = settingGroup({
  JOBS_ACCESS_POLICIES: v.pipe(
    requiredJsonSetting,
    v.array(v.unknown(), POLICIES_RULE),
    v.minLength(1, POLICIES_RULE),
    entryList(PolicyEntrySchema, { problem: policyProblem }),
  ),
});

/**
 * Refuses the published development key unless nothing beyond this machine can reach the app: anyone who read the
 * README could sign requests with it.
 */
function refusePublishedKeyWhenReachable(env: Env, policies: readonly AccessPolicy[]): void {
  const published = policies.find(
    (policy) => policy.key === PUBLISHED_DEVELOPMENT_KEY || policy.secondaryKey === PUBLISHED_DEVELOPMENT_KEY,
  );
  if (!published) return;
  const reachability = reachabilityOf(env);
  if (reachability.kind === 'loopback') return;
  throw new ConfigError(
    'JOBS_ACCESS_POLICIES',
    `gives policy ${published.name} the published development key of local.settings.sample.json, and ` +
      `${reachability.why}. Give every policy a key of its own (e.g. openssl rand -base64 32), ` +
      'or run the app with func-local on 127.0.0.1.',
  );
}

/** The host's functionTimeout as the app sees it: the override setting, then host.json, then Azure's smallest default. */
function readFunctionTimeout(env: Env, hostJson: HostJsonReader): number | undefined {
  const setting = 'AzureFunctionsJobHost__functionTimeout';
  const override = env[setting]?.trim();
  const [source, text] = override
    ? [setting, override]
    : ['host.json functionTimeout', hostJson()?.functionTimeout];
  if (text === undefined) return DEFAULT_FUNCTION_TIMEOUT_MS;
  if (typeof text !== 'string')
    throw new ConfigError(source, 'must be a TimeSpan string (hh:mm:ss) or "-1".');
  try {
    return parseFunctionTimeout(text);
  } catch (error: unknown) {
    throw new ConfigError(source, (error as Error).message);
  }
}

const OperationsPerSecondSchema = settingGroup({
  JOBS_DEVICE_OPERATIONS_PER_SECOND: v.pipe(
    textSetting,
    v.transform((raw) => (raw === undefined ? undefined : Number(raw))),
    v.check(
      (value) => value === undefined || (Number.isFinite(value) && value > 0 && value <= 1_000_000),
      'must be a number above 0, at most 1000000.',
    ),
  ),
});

const HubThrottleSchema = v.pipe(
  settingGroup({ IOTHUB_UNITS: wholeNumberSetting(1, 1, 200), IOTHUB_SKU: v.string() }),
  v.transform(({ IOTHUB_UNITS, IOTHUB_SKU }) =>
    jobsDeviceOperationsPerSecond(IOTHUB_SKU.trim(), IOTHUB_UNITS),
  ),
  v.rawCheck(({ dataset, addIssue }) => {
    if (dataset.typed && dataset.value === undefined) {
      addIssue({
        message: `must be one of ${IOTHUB_SKUS.join(', ')} (Basic tiers have no twins, direct methods or jobs).`,
        path: keyPath('IOTHUB_SKU'),
      });
    }
  }),
);

/** The shared device-operation budget: set outright, or the hub's jobs throttle (DEVICE_GATEWAY=iothub). */
function readDeviceOperationBudget(env: Env): Pick<JobsConfig, 'deviceOperationsPerSecond'> {
  const perSecond = readSettings(OperationsPerSecondSchema, env).JOBS_DEVICE_OPERATIONS_PER_SECOND;
  if (perSecond !== undefined) return { deviceOperationsPerSecond: perSecond };
  if (!env.IOTHUB_SKU?.trim() || env.DEVICE_GATEWAY?.trim() !== 'iothub') return {};
  return { deviceOperationsPerSecond: readSettings(HubThrottleSchema, env) };
}

/** Reads the app's host.json (`undefined` when there is none). */
export type HostJsonReader = () => { functionTimeout?: unknown } | undefined;

/** The jobs engine's settings read before the host's functionTimeout (the order in which they are reported). */
const EngineSettingsSchema = settingGroup({
  JOBS_TABLE_PREFIX: v.pipe(
    v.optional(v.string(), ''),
    v.trim(),
    v.regex(/^([A-Za-z][A-Za-z0-9]{0,40})?$/, 'must be letters and digits starting with a letter.'),
  ),
  JOB_SHARD_SIZE: wholeNumberSetting(DEFAULT_JOB_SETTINGS.shardSize, 1, 1000),
  JOB_MAX_DEVICES_IN_FLIGHT: wholeNumberSetting(DEFAULT_JOB_SETTINGS.maxDevicesInFlight, 1, 10_000),
  JOB_ACTIVITY_MAX_ATTEMPTS: wholeNumberSetting(
    DEFAULT_JOB_SETTINGS.activityRetry.maxNumberOfAttempts,
    1,
    20,
  ),
  JOB_ACTIVITY_TIME_BUDGET_SECONDS: wholeNumberSetting(DEFAULT_ACTIVITY_LIMITS.budgetMs / 1000, 5, 3_600),
});

/** The jobs' limits, maintenance timers and events. */
const JobsMaintenanceSchema = settingGroup({
  JOBS_MAX_ACTIVE_JOBS: wholeNumberSetting(100, 1, 1_000_000),
  JOB_RETENTION_DAYS: wholeNumberSetting(30, 1, 3650),
  JOB_RETENTION_SCHEDULE: scheduleSetting('0 0 * * * *'),
  JOB_RECONCILIATION_SCHEDULE: scheduleSetting('0 */5 * * * *'),
  JOB_RECONCILIATION_GRACE_SECONDS: wholeNumberSetting(300, 0, 86_400),
  JOB_SCHEDULES_TICK_SCHEDULE: scheduleSetting('0 * * * * *'),
});

const EventsSettingsSchema = settingGroup({
  JOB_EVENTS_QUEUE: v.pipe(
    // A default, so that an absent setting is read too (valibot's objects skip absent keys without one).
    v.optional(v.string(), () => undefined),
    v.transform((raw) => (raw === undefined ? 'job-events' : raw.trim() || undefined)),
    v.check(
      (name) => name === undefined || /^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/.test(name),
      'must be a queue name: 3–63 lowercase letters, digits and single hyphens, or empty to publish no events.',
    ),
  ),
  JOB_PROGRESS_EVENT_SECONDS: wholeNumberSetting(10, 1, 3600),
  JOB_EVENTS_SWEEP_SCHEDULE: scheduleSetting('30 * * * * *'),
});

function readJobsConfig(env: Env, hostJson: HostJsonReader): JobsConfig {
  const engine = readSettings(EngineSettingsSchema, env);
  const functionTimeoutMs = readFunctionTimeout(env, hostJson);
  const maintenance = readSettings(JobsMaintenanceSchema, env);
  const budget = readDeviceOperationBudget(env);
  const events = readSettings(EventsSettingsSchema, env);
  return {
    settings: {
      shardSize: engine.JOB_SHARD_SIZE,
      maxDevicesInFlight: engine.JOB_MAX_DEVICES_IN_FLIGHT,
      activityRetry: {
        ...DEFAULT_JOB_SETTINGS.activityRetry,
        maxNumberOfAttempts: engine.JOB_ACTIVITY_MAX_ATTEMPTS,
      },
    },
    limits: { budgetMs: engine.JOB_ACTIVITY_TIME_BUDGET_SECONDS * 1000, functionTimeoutMs },
    maxActiveJobs: maintenance.JOBS_MAX_ACTIVE_JOBS,
    tablePrefix: engine.JOBS_TABLE_PREFIX,
    retentionDays: maintenance.JOB_RETENTION_DAYS,
    retentionSchedule: maintenance.JOB_RETENTION_SCHEDULE,
    reconciliationSchedule: maintenance.JOB_RECONCILIATION_SCHEDULE,
    reconciliationGraceSeconds: maintenance.JOB_RECONCILIATION_GRACE_SECONDS,
    schedulesTickSchedule: maintenance.JOB_SCHEDULES_TICK_SCHEDULE,
    ...budget,
    events: {
      queueName: events.JOB_EVENTS_QUEUE,
      progressIntervalSeconds: events.JOB_PROGRESS_EVENT_SECONDS,
      sweepSchedule: events.JOB_EVENTS_SWEEP_SCHEDULE,
    },
  };
}

/** The default simulation profile: absent or blank is the built-in one, else JSON merged over it. */
const SimulationProfileSetting = v.pipe(
  textSetting,
  v.rawTransform(({ dataset, addIssue, NEVER }): SimulationProfile => {
    if (dataset.value === undefined) return DEFAULT_SIMULATION;
    let json: unknown;
    try {
      json = JSON.parse(dataset.value) as unknown;
    } catch {
      addIssue({ message: 'is not valid JSON.' });
      return NEVER;
    }
    try {
      return { ...DEFAULT_SIMULATION, ...parseSimulationProfile(json) };
    } catch (error: unknown) {
      addIssue({ message: `is invalid: ${(error as Error).message}` });
      return NEVER;
    }
  }),
);

const GatewaySettingSchema = settingGroup({
  DEVICE_GATEWAY: v.pipe(
    textSetting,
    v.transform((raw) => raw ?? 'simulated'),
    v.picklist(['simulated', 'iothub'], 'must be "simulated" or "iothub".'),
  ),
  SIMULATION_DEFAULT_PROFILE: SimulationProfileSetting,
});

/** The hub's service connection string: required (trimmed) with the IoT Hub gateway, else read as written. */
const hubConnectionSetting = (gateway: 'simulated' | 'iothub') =>
  settingGroup({
    IOTHUB_CONNECTION_STRING:
      gateway === 'iothub'
        ? v.pipe(
            textSetting,
            v.check((value) => value !== undefined, 'is missing.'),
          )
        : v.optional(v.string()),
  });

/** The devices' settings read after the connection string. */
const DeviceSettingsSchema = settingGroup({
  IOTHUB_PLAIN_HTTP_PORT: portSetting,
  DEMO_FLEET_SIZE: wholeNumberSetting(0, 0, 100_000),
  REGISTRY_JOB_CHUNK_SIZE: wholeNumberSetting(1000, 10, 10_000),
});

/** Reads and validates the settings; throws a ConfigError naming the first missing or invalid one. */
export function loadConfig(env: Env = process.env, hostJson: HostJsonReader = () => undefined): AppConfig {
  const { DEVICE_GATEWAY: gateway, SIMULATION_DEFAULT_PROFILE: defaultSimulation } = readSettings(
    GatewaySettingSchema,
    env,
  );
  // Storage first: its errors are reported before the policies', as they always were.
  const storage = readStorageSettings(env);
  const accessPolicies = readSettings(AccessPoliciesSchema, env).JOBS_ACCESS_POLICIES;
  refusePublishedKeyWhenReachable(env, accessPolicies);
  const iothubConnectionString = readSettings(hubConnectionSetting(gateway), env).IOTHUB_CONNECTION_STRING;
  const devices = readSettings(DeviceSettingsSchema, env);
  return {
    storage,
    hostName: env.JOBS_HOST_NAME?.trim() || 'localhost',
    accessPolicies,
    devices: {
      gateway,
      iothubConnectionString,
      iothubPlainHttpPort: devices.IOTHUB_PLAIN_HTTP_PORT,
      defaultSimulation,
      simulationSeed: env.SIMULATION_SEED?.trim() || undefined,
      demoFleetSize: devices.DEMO_FLEET_SIZE,
      queryPlanLog: env.DEVICE_QUERY_PLAN_LOG?.trim().toLowerCase() === 'true',
      registryJobChunkSize: devices.REGISTRY_JOB_CHUNK_SIZE,
    },
    jobs: readJobsConfig(env, hostJson),
    runsInAzure: runsInAzure(env),
  };
}
