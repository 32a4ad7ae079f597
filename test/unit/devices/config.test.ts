import { ConfigError, loadConfig } from '../../../shared/config';

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

  it('knows it runs in Azure by the settings the platform sets (as the Functions host does)', () => {
    expect(loadConfig(base).runsInAzure).toBe(false);
    for (const platform of [
      { WEBSITE_INSTANCE_ID: 'a1b2' },
      { WEBSITE_SKU: 'FlexConsumption' },
      { CONTAINER_NAME: 'c1' },
    ])
      expect(loadConfig({ ...base, ...platform }).runsInAzure).toBe(true);
  });
});
