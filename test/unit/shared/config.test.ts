import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../../shared/config';
import { PUBLISHED_DEVELOPMENT_KEY } from '../../../shared/reachability';

const policies = JSON.stringify([
  {
    name: 'iothubowner',
    key: Buffer.alloc(32, 3).toString('base64'),
    rights: ['RegistryRead', 'ServiceConnect'],
  },
]);
const base = { AzureWebJobsStorage: 'UseDevelopmentStorage=true', JOBS_ACCESS_POLICIES: policies };

function errorOf(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error: unknown) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('loadConfig accepted the settings');
}

describe('loadConfig', () => {
  it('reads the settings with their defaults', () => {
    const config = loadConfig(base);
    expect(config.hostName).toBe('localhost');
    expect(config.accessPolicies[0]?.rights).toEqual(['RegistryRead', 'ServiceConnect']);
    expect(config.devices.gateway).toBe('simulated');
    expect(config.devices.defaultSimulation).toEqual({ latencyMs: [20, 80], failureRate: 0 });
    expect(config.devices.simulationSeed).toBeUndefined();
    expect(config.devices.demoFleetSize).toBe(0);
  });

  it('merges a default simulation profile from settings', () => {
    const config = loadConfig({ ...base, SIMULATION_DEFAULT_PROFILE: '{"latencyMs":5,"offline":true}' });
    expect(config.devices.defaultSimulation).toEqual({ latencyMs: 5, failureRate: 0, offline: true });
  });

  it.each([
    [{ AzureWebJobsStorage: '' }, 'AzureWebJobsStorage'],
    [{ JOBS_ACCESS_POLICIES: '' }, 'JOBS_ACCESS_POLICIES'],
    [{ JOBS_ACCESS_POLICIES: '{' }, 'JOBS_ACCESS_POLICIES'],
    [{ JOBS_ACCESS_POLICIES: '[{"name":"a","key":"short","rights":[]}]' }, 'JOBS_ACCESS_POLICIES'],
    [{ JOBS_ACCESS_POLICIES: policies.replace('ServiceConnect', 'Everything') }, 'JOBS_ACCESS_POLICIES'],
    [{ DEVICE_GATEWAY: 'mqtt' }, 'DEVICE_GATEWAY'],
    [{ DEVICE_GATEWAY: 'iothub' }, 'IOTHUB_CONNECTION_STRING'],
    [{ IOTHUB_PLAIN_HTTP_PORT: '99999' }, 'IOTHUB_PLAIN_HTTP_PORT'],
    [{ SIMULATION_DEFAULT_PROFILE: '{"failureRate":2}' }, 'SIMULATION_DEFAULT_PROFILE'],
    [{ DEMO_FLEET_SIZE: '-1' }, 'DEMO_FLEET_SIZE'],
  ])('fails fast naming the bad setting (%j)', (override, setting) => {
    const error = errorOf({ ...base, ...override });
    expect(error.setting).toBe(setting);
    expect(error.message).toContain(setting);
  });

  it('says a JOBS_ACCESS_POLICIES still holding its Key Vault reference is unresolved, not bad JSON', () => {
    const reference =
      '@Microsoft.KeyVault(SecretUri=https://kv-x.vault.azure.net/secrets/jobs-access-policies/)';
    const error = errorOf({ ...base, JOBS_ACCESS_POLICIES: reference });
    expect(error.setting).toBe('JOBS_ACCESS_POLICIES');
    expect(error.message).toMatch(/unresolved Key Vault reference/);
    expect(error.message).toMatch(/Key Vault Secrets User/);
    expect(error.message).not.toMatch(/JSON/);
  });

  it('knows it runs in Azure by the settings the platform sets', () => {
    expect(loadConfig(base).runsInAzure).toBe(false);
    // Container runtimes set CONTAINER_NAME on developers' machines and CI too.
    expect(loadConfig({ ...base, CONTAINER_NAME: 'c1' }).runsInAzure).toBe(false);
    for (const platform of [{ WEBSITE_INSTANCE_ID: 'a1b2' }, { WEBSITE_SKU: 'FlexConsumption' }])
      expect(loadConfig({ ...base, ...platform }).runsInAzure).toBe(true);
  });
});

describe('JOBS_ACCESS_POLICIES keys', () => {
  const primaryKey = Buffer.alloc(32, 4).toString('base64');
  const secondaryKey = Buffer.alloc(32, 5).toString('base64');
  const policy = (fields: Record<string, unknown>) =>
    JSON.stringify([{ name: 'service', rights: ['ServiceConnect'], ...fields }]);

  it('reads IoT Hub\'s primaryKey and secondaryKey, and "key" as the primary', () => {
    const rotated = loadConfig({ ...base, JOBS_ACCESS_POLICIES: policy({ primaryKey, secondaryKey }) });
    expect(rotated.accessPolicies[0]).toEqual({
      name: 'service',
      key: primaryKey,
      secondaryKey,
      rights: ['ServiceConnect'],
    });
    const legacy = loadConfig({ ...base, JOBS_ACCESS_POLICIES: policy({ key: primaryKey }) });
    expect(legacy.accessPolicies[0]).toEqual({
      name: 'service',
      key: primaryKey,
      rights: ['ServiceConnect'],
    });
  });

  it.each([
    ['a short secondary key', { primaryKey, secondaryKey: 'c2hvcnQ=' }],
    ['"key" and "primaryKey" that differ', { key: secondaryKey, primaryKey }],
    ['no key at all', { secondaryKey }],
  ])('refuses %s', (_, fields) => {
    expect(errorOf({ ...base, JOBS_ACCESS_POLICIES: policy(fields) }).setting).toBe('JOBS_ACCESS_POLICIES');
  });
});

describe('the published development key', () => {
  const sample = JSON.parse(
    fs.readFileSync(path.resolve(__dirname, '../../../local.settings.sample.json'), 'utf8'),
  ) as { Values: Record<string, string> };
  const published = { ...base, JOBS_ACCESS_POLICIES: sample.Values.JOBS_ACCESS_POLICIES ?? '' };

  it('is the key of local.settings.sample.json', () => {
    expect(sample.Values.JOBS_ACCESS_POLICIES).toContain(PUBLISHED_DEVELOPMENT_KEY);
  });

  it('is accepted while func-local listens on loopback only', () => {
    for (const address of ['127.0.0.1', '::1', 'localhost', '127.0.0.2']) {
      expect(loadConfig({ ...published, FUNC_LOCAL_LISTEN_ADDRESS: address }).accessPolicies).toHaveLength(1);
    }
  });

  it.each([
    ['func-local listens on every interface', { FUNC_LOCAL_LISTEN_ADDRESS: '0.0.0.0' }, '0.0.0.0'],
    ['func-local listens on a LAN address', { FUNC_LOCAL_LISTEN_ADDRESS: '192.168.1.20' }, '192.168.1.20'],
    ['in Azure', { WEBSITE_SITE_NAME: 'func-abc', FUNC_LOCAL_LISTEN_ADDRESS: '127.0.0.1' }, 'Azure'],
    ['in Azure (instance id only)', { WEBSITE_INSTANCE_ID: 'a1b2' }, 'Azure'],
    ['under a host that does not say where it listens (Core Tools)', {}, 'Core Tools'],
  ])('stops the app %s, naming JOBS_ACCESS_POLICIES', (_, env, why) => {
    const error = errorOf({ ...published, ...env });
    expect(error.setting).toBe('JOBS_ACCESS_POLICIES');
    expect(error.message).toContain('published development key');
    expect(error.message).toContain(why);
  });

  it('is refused as a secondary key too', () => {
    const policies = policyWith({ secondaryKey: PUBLISHED_DEVELOPMENT_KEY });
    expect(errorOf({ ...base, JOBS_ACCESS_POLICIES: policies }).setting).toBe('JOBS_ACCESS_POLICIES');
  });

  it('does not concern a key of your own, wherever the app runs', () => {
    expect(loadConfig({ ...base, WEBSITE_SITE_NAME: 'func-abc' }).accessPolicies).toHaveLength(1);
  });

  function policyWith(fields: Record<string, unknown>): string {
    const primaryKey = Buffer.alloc(32, 8).toString('base64');
    return JSON.stringify([{ name: 'service', rights: ['ServiceConnect'], primaryKey, ...fields }]);
  }
});
