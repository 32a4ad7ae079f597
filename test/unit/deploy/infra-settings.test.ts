import fs from 'node:fs';
import path from 'node:path';
import semver from 'semver';

const root = path.resolve(__dirname, '../../..');
const appBicep = fs.readFileSync(path.join(root, 'infra/app.bicep'), 'utf8');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

/**
 * The app settings the code reads, found the way the settings readers name them: `env.X`, `env['X']`,
 * `` env[`${PREFIX}__x`] `` (also as a reader's argument), reader calls `read…(env, 'X', …)`, `const setting = 'X'`, the keys of `settingGroup({…})` schemas, and `%X%` binding expressions.
 */
function settingsReadByCode(): Set<string> {
  const names = new Set<string>();
  for (const file of ['shared', 'functions'].flatMap((dir) => sourceFiles(path.join(root, dir)))) {
    const text = fs.readFileSync(file, 'utf8');
    const constants = new Map(
      [...text.matchAll(/const (\w+) = '([^']+)';/g)].map((m) => [m[1] as string, m[2] as string]),
    );
    const patterns = [
      /\benv\.([A-Za-z_]\w*)/g,
      /\benv\[\s*'([^']+)'\s*\]/g,
      /\(\s*env\s*,\s*'([^']+)'/g,
      /const setting = '([^']+)'/g,
      /'%([A-Za-z_]\w*)%'/g,
    ];
    for (const pattern of patterns) for (const m of text.matchAll(pattern)) names.add(m[1] as string);
    for (const m of text.matchAll(/(?:\benv\[|\(\s*env\s*,)\s*`\$\{(\w+)\}([^`]*)`/g)) {
      const prefix = constants.get(m[1] as string);
      if (prefix !== undefined) names.add(`${prefix}${m[2]}`);
    }
    for (const name of settingGroupKeys(text)) names.add(name);
    for (const m of text.matchAll(/\benv\[\s*([A-Z_]+)\s*\]/g)) {
      const value = constants.get(m[1] as string);
      if (value !== undefined) names.add(value);
    }
  }
  return names;
}

/** The settings a group schema reads (`settingGroup({ JOB_SHARD_SIZE: …, … })`): its keys named like settings. */
function settingGroupKeys(text: string): string[] {
  const keys: string[] = [];
  for (const group of text.matchAll(/\bsettingGroup\(\{/g)) {
    let depth = 0;
    let end = group.index + group[0].length - 1;
    for (; end < text.length; end++) {
      const character = text[end] as string;
      if ('{(['.includes(character)) depth++;
      else if ('})]'.includes(character) && --depth === 0) break;
    }
    const block = text.slice(group.index, end);
    for (const key of block.matchAll(/\b((?:AzureWebJobsStorage__|[A-Z][A-Z0-9]*_)[A-Za-z0-9_]*)\s*:/g))
      keys.push(key[1] as string);
  }
  return keys;
}

/** The keys of the Bicep object variables the Function App's `appSettings` is built from. */
function settingsSetByBicep(): Set<string> {
  const appSettings = /appSettings: \[for setting in items\(union\(([^)]*)\)\)/.exec(appBicep);
  if (!appSettings)
    throw new Error('infra/app.bicep: the Function App no longer builds appSettings from items(union(...))');
  const names = new Set<string>();
  for (const variable of (appSettings[1] as string).split(',').map((v) => v.trim())) {
    const start = appBicep.indexOf(`var ${variable} =`);
    if (start < 0) throw new Error(`infra/app.bicep: no var ${variable}`);
    const rest = appBicep.slice(start);
    const end = rest.search(/\n(?=[a-z/])/);
    const body = rest.slice(0, end < 0 ? undefined : end);
    for (const m of body.matchAll(/^\s+'?([A-Za-z_][\w]*)'?:\s/gm)) names.add(m[1] as string);
  }
  return names;
}

/** Read by the code, deliberately not set by the Bicep: the app's default is what a deployment wants. */
const LEFT_TO_DEFAULT: Record<string, string> = {
  AzureWebJobsStorage:
    'a connection string; the deployment uses the identity-based AzureWebJobsStorage__* settings',
  AzureWebJobsStorage__tableServiceUri:
    'derived from AzureWebJobsStorage__accountName (public cloud endpoints)',
  AzureWebJobsStorage__queueServiceUri:
    'derived from AzureWebJobsStorage__accountName (public cloud endpoints)',
  AzureFunctionsJobHost__functionTimeout: "host.json's value, else the plan's default",
  IOTHUB_CONNECTION_STRING:
    'only with DEVICE_GATEWAY=iothub; set it (as a Key Vault reference) when switching',
  IOTHUB_PLAIN_HTTP_PORT: 'local runs only (plain-HTTP IoT Hub emulators)',
  IOTHUB_SKU: "only with DEVICE_GATEWAY=iothub: the hub's tier sets the default device-operation budget",
  IOTHUB_UNITS: 'only with IOTHUB_SKU: the hub units (default 1)',
  JOBS_DEVICE_OPERATIONS_PER_SECOND: 'no shared device-operation budget on the simulated gateway',
  SIMULATION_DEFAULT_PROFILE: 'simulated gateway: built-in default latency and no failures',
  SIMULATION_SEED: 'simulated gateway: random seed',
  DEMO_FLEET_SIZE: 'no demo fleet in a deployment',
  DEVICE_QUERY_PLAN_LOG: 'debug logging of twin query plans, off',
  WEBSITE_INSTANCE_ID: 'set by the platform; tells the app it runs in Azure',
  WEBSITE_SKU: 'set by the platform (FlexConsumption on this plan); tells the app it runs in Azure',
  REGISTRY_JOB_CHUNK_SIZE: 'import/export default',
  JOBS_TABLE_PREFIX: 'no prefix: one app per storage account',
  JOB_EVENTS_QUEUE: 'default queue job-events',
  JOB_SHARD_SIZE: 'engine default',
  JOB_MAX_DEVICES_IN_FLIGHT: 'engine default',
  JOB_ACTIVITY_MAX_ATTEMPTS: 'engine default',
  JOB_ACTIVITY_TIME_BUDGET_SECONDS: 'engine default, well under the smallest functionTimeout',
  JOB_RETENTION_DAYS: 'default 30 days',
  JOB_RETENTION_SCHEDULE: 'default hourly',
  JOB_RECONCILIATION_SCHEDULE: 'default every 5 minutes',
  JOB_RECONCILIATION_GRACE_SECONDS: 'default 300 s',
  JOB_SCHEDULES_TICK_SCHEDULE: "default every minute (backstop of the schedules' durable timers)",
  JOB_PROGRESS_EVENT_SECONDS: 'default 10 s',
  JOB_EVENTS_SWEEP_SCHEDULE: 'default every minute',
  WEBSITE_SITE_NAME: 'set by App Service on every instance (tells the app it runs in Azure)',
  FUNC_LOCAL_LISTEN_ADDRESS: 'set by func-local only (where its HTTP listener binds)',
};

/** Set by the Bicep for the Functions host, the platform or an extension, not read by the app's code. */
const HOST_AND_PLATFORM = [
  'FUNCTIONS_EXTENSION_VERSION',
  'FUNCTIONS_WORKER_RUNTIME',
  'APPLICATIONINSIGHTS_CONNECTION_STRING',
  'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
  /** Read by the durable extension through storageProvider.connectionStringName. */
  'DURABLE_TASK_SCHEDULER_CONNECTION_STRING',
];
const HOST_PREFIXES = ['AzureWebJobsStorage__', 'AzureFunctionsJobHost__'];
const isHostSetting = (name: string) =>
  HOST_AND_PLATFORM.includes(name) || HOST_PREFIXES.some((prefix) => name.startsWith(prefix));

describe('infra/app.bicep and the settings the code reads', () => {
  const read = settingsReadByCode();
  const set = settingsSetByBicep();

  it('finds the settings of each kind of reader, so a broken scan cannot pass silently', () => {
    for (const name of [
      'JOBS_ACCESS_POLICIES',
      'JOBS_HOST_NAME',
      'JOB_SHARD_SIZE',
      'AzureWebJobsStorage__accountName',
    ])
      expect(read).toContain(name);
    for (const name of [
      'JOBS_ACCESS_POLICIES',
      'AzureWebJobsStorage__clientId',
      'AzureFunctionsJobHost__extensions__durableTask__hubName',
      'DURABLE_TASK_SCHEDULER_CONNECTION_STRING',
    ])
      expect(set).toContain(name);
  });

  it('sets, or deliberately leaves to its default, every setting the code reads', () => {
    const missing = [...read].filter((name) => !set.has(name) && !(name in LEFT_TO_DEFAULT));
    expect(missing).toEqual([]);
  });

  it('keeps the left-to-default list honest: each entry is read by the code and not set by the Bicep', () => {
    const stale = Object.keys(LEFT_TO_DEFAULT).filter((name) => !read.has(name) || set.has(name));
    expect(stale).toEqual([]);
  });

  it('sets only settings the code reads or the host, platform and extensions use', () => {
    const unread = [...set].filter((name) => !read.has(name) && !isHostSetting(name));
    expect(unread).toEqual([]);
  });

  it('connects storage by managed identity and takes JOBS_ACCESS_POLICIES from Key Vault', () => {
    expect(appBicep).toMatch(/AzureWebJobsStorage__credential: 'managedidentity'/);
    expect(appBicep).toMatch(/JOBS_ACCESS_POLICIES: '@Microsoft\.KeyVault\(SecretUri=\$\{[^}]+\}\)'/);
    expect(set).not.toContain('AzureWebJobsStorage');
  });
});

/** The body of `resource <name> '<type>' = ... {` up to the next top-level declaration. */
function resourceBlock(name: string): string {
  const start = appBicep.search(new RegExp(`^resource ${name} '`, 'm'));
  if (start < 0) throw new Error(`infra/app.bicep: no resource ${name}`);
  const rest = appBicep.slice(start);
  const end = rest.slice(1).search(/\n(?=resource |var |output |param |\/\/)/);
  return end < 0 ? rest : rest.slice(0, end + 1);
}

describe('infra/app.bicep can start the app', () => {
  it('gives every plan it can create a code package reachable without storage keys', () => {
    // The storage account disables shared keys, so no Azure Files content share: Flex Consumption deploys to a
    // blob container by identity; an Elastic Premium plan would need run-from-package by identity.
    expect(appBicep).toMatch(/allowSharedKeyAccess: false/);
    expect(appBicep).not.toMatch(/WEBSITE_CONTENTAZUREFILECONNECTIONSTRING|WEBSITE_CONTENTSHARE/);
    expect(appBicep).toMatch(
      /authentication: \{ type: 'UserAssignedIdentity', userAssignedIdentityResourceId: identity\.id \}/,
    );
    if (/ElasticPremium|'EP\d'/.test(appBicep)) {
      expect(appBicep).toMatch(/WEBSITE_RUN_FROM_PACKAGE: 'https:\/\/[^']*'/);
      expect(appBicep).toMatch(/WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID: identity\.id/);
    }
    expect(settingsSetByBicep()).not.toContain('FUNCTIONS_WORKER_RUNTIME'); // Flex Consumption rejects it
  });

  it("runs the project's Node major (package.json engines)", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      engines: { node: string };
    };
    const major = String(semver.minVersion(pkg.engines.node)?.major);
    expect(major).toBe('22');
    expect(appBicep).toMatch(new RegExp(`runtime: \\{ name: 'node', version: '${major}' \\}`));
    expect(appBicep).not.toMatch(/NODE\|(?!22)\d+/);
  });

  it('creates the site after every role its identity needs at first start', () => {
    const site = resourceBlock('functionApp');
    const dependsOn =
      /dependsOn: \[([^\]]*)\]/
        .exec(site)?.[1]
        ?.split(',')
        .map((name) => name.trim()) ?? [];
    const identityRoles = [
      ...appBicep.matchAll(/^resource (\w+) 'Microsoft\.Authorization\/roleAssignments@/gm),
    ]
      .map((m) => m[1] as string)
      .filter((name) => resourceBlock(name).includes('principalId: identity.properties.principalId'));
    expect(identityRoles).toEqual(
      expect.arrayContaining(['storageRoles', 'vaultReader', 'schedulerRole', 'insightsRole']),
    );
    expect(identityRoles.filter((role) => !dependsOn.includes(role))).toEqual([]);
  });

  it('derives JOBS_HOST_NAME and the host name output from one value', () => {
    const setting = /^\s+JOBS_HOST_NAME: (.+)$/m.exec(appBicep)?.[1];
    const output = /^output hostName string = (.+)$/m.exec(appBicep)?.[1];
    const url = /^output serviceUrl string = (.+)$/m.exec(appBicep)?.[1];
    expect(setting).toBeDefined();
    expect(output).toBe(setting);
    expect(url).toBe(`'https://\${${setting}}'`);
  });
});
