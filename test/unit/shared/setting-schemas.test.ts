import { ConfigError, loadConfig } from '../../../shared/config';
import { readStorageSettings } from '../../../shared/storage/storage-settings';

const policies = JSON.stringify([
  { name: 'owner', key: Buffer.alloc(32, 3).toString('base64'), rights: ['RegistryRead'] },
]);
const base = { AzureWebJobsStorage: 'UseDevelopmentStorage=true', JOBS_ACCESS_POLICIES: policies };

/** The message startup fails with, or `ok`. */
function failure(read: () => unknown): string {
  try {
    read();
    return 'ok';
  } catch (error: unknown) {
    return `${(error as Error).name}(${(error as ConfigError).setting}): ${(error as Error).message}`;
  }
}

const configError = (setting: string, problem: string) =>
  `ConfigError(${setting}): App setting ${setting} ${problem}`;

describe('app settings: an invalid setting stops the app naming it, with the same message as always', () => {
  it.each<[Record<string, string>, string]>([
    [{ DEVICE_GATEWAY: 'mqtt' }, configError('DEVICE_GATEWAY', 'must be "simulated" or "iothub".')],
    [{ DEVICE_GATEWAY: 'iothub' }, configError('IOTHUB_CONNECTION_STRING', 'is missing.')],
    [{ IOTHUB_PLAIN_HTTP_PORT: '99999' }, configError('IOTHUB_PLAIN_HTTP_PORT', 'must be a port number.')],
    [{ IOTHUB_PLAIN_HTTP_PORT: '1.5' }, configError('IOTHUB_PLAIN_HTTP_PORT', 'must be a port number.')],
    [{ DEMO_FLEET_SIZE: '-1' }, configError('DEMO_FLEET_SIZE', 'must be a whole number from 0 to 100000.')],
    [{ SIMULATION_DEFAULT_PROFILE: '{' }, configError('SIMULATION_DEFAULT_PROFILE', 'is not valid JSON.')],
    [
      { SIMULATION_DEFAULT_PROFILE: '{"failureRate":2}' },
      configError(
        'SIMULATION_DEFAULT_PROFILE',
        'is invalid: simulation.failureRate must be a number from 0 to 1.',
      ),
    ],
    [
      { SIMULATION_DEFAULT_PROFILE: '[1]' },
      configError('SIMULATION_DEFAULT_PROFILE', 'is invalid: simulation must be a JSON object.'),
    ],
    // Which bad setting is reported first: the gateway, then the profile, then storage, then the hub's string.
    [
      { SIMULATION_DEFAULT_PROFILE: '{', AzureWebJobsStorage: '' },
      configError('SIMULATION_DEFAULT_PROFILE', 'is not valid JSON.'),
    ],
    [
      { SIMULATION_DEFAULT_PROFILE: '{', DEVICE_GATEWAY: 'mqtt' },
      configError('DEVICE_GATEWAY', 'must be "simulated" or "iothub".'),
    ],
    [
      { DEVICE_GATEWAY: 'iothub', IOTHUB_CONNECTION_STRING: '   ' },
      configError('IOTHUB_CONNECTION_STRING', 'is missing.'),
    ],
    [
      { DEVICE_GATEWAY: 'iothub', IOTHUB_PLAIN_HTTP_PORT: '0' },
      configError('IOTHUB_CONNECTION_STRING', 'is missing.'),
    ],
    [
      { DEVICE_GATEWAY: 'iothub', JOBS_ACCESS_POLICIES: '' },
      configError('JOBS_ACCESS_POLICIES', 'is missing.'),
    ],
    [
      { REGISTRY_JOB_CHUNK_SIZE: '5' },
      configError('REGISTRY_JOB_CHUNK_SIZE', 'must be a whole number from 10 to 10000.'),
    ],
    [{ JOB_SHARD_SIZE: 'ten' }, configError('JOB_SHARD_SIZE', 'must be a whole number from 1 to 1000.')],
    [
      { JOB_MAX_DEVICES_IN_FLIGHT: '0' },
      configError('JOB_MAX_DEVICES_IN_FLIGHT', 'must be a whole number from 1 to 10000.'),
    ],
    [
      { JOB_ACTIVITY_TIME_BUDGET_SECONDS: '4' },
      configError('JOB_ACTIVITY_TIME_BUDGET_SECONDS', 'must be a whole number from 5 to 3600.'),
    ],
    [
      { JOB_RETENTION_SCHEDULE: '0 * * * *' },
      configError('JOB_RETENTION_SCHEDULE', 'must be an NCRONTAB expression of six fields (seconds first).'),
    ],
    [
      { JOBS_TABLE_PREFIX: '1abc' },
      configError('JOBS_TABLE_PREFIX', 'must be letters and digits starting with a letter.'),
    ],
    [
      { JOB_EVENTS_QUEUE: 'Job_Events' },
      configError(
        'JOB_EVENTS_QUEUE',
        'must be a queue name: 3–63 lowercase letters, digits and single hyphens, or empty to publish no events.',
      ),
    ],
    [
      { JOBS_DEVICE_OPERATIONS_PER_SECOND: '0' },
      configError('JOBS_DEVICE_OPERATIONS_PER_SECOND', 'must be a number above 0, at most 1000000.'),
    ],
    [
      { DEVICE_GATEWAY: 'iothub', IOTHUB_CONNECTION_STRING: 'x', IOTHUB_SKU: 'S1', IOTHUB_UNITS: '201' },
      configError('IOTHUB_UNITS', 'must be a whole number from 1 to 200.'),
    ],
    [
      { AzureWebJobsStorage: '', AzureWebJobsStorage__accountName: 'Bad_Name' },
      configError(
        'AzureWebJobsStorage__accountName',
        'must be a storage account name (3-24 lower-case letters and digits).',
      ),
    ],
    [
      { AzureWebJobsStorage: '', AzureWebJobsStorage__tableServiceUri: 'http://x.table.core.windows.net' },
      configError('AzureWebJobsStorage__tableServiceUri', 'must be an https URL.'),
    ],
    [
      { AzureWebJobsStorage: '', AzureWebJobsStorage__queueServiceUri: 'not a url' },
      configError(
        'AzureWebJobsStorage__queueServiceUri',
        'must be a URL like https://<account>.table.core.windows.net (got "not a url").',
      ),
    ],
    [
      {
        AzureWebJobsStorage: '',
        AzureWebJobsStorage__accountName: 'jobs01',
        AzureWebJobsStorage__credential: 'x',
      },
      configError('AzureWebJobsStorage__credential', 'must be "managedidentity" when set.'),
    ],
    [
      { AzureWebJobsStorage: ' ' },
      configError(
        'AzureWebJobsStorage',
        'is missing: set a connection string, or AzureWebJobsStorage__accountName (or __tableServiceUri) for an identity-based connection.',
      ),
    ],
    [{ JOB_SHARD_SIZE: ' 250 ', JOB_EVENTS_QUEUE: '', JOBS_TABLE_PREFIX: 'T1' }, 'ok'],
  ])('%j', (override, expected) => {
    expect(failure(() => loadConfig({ ...base, ...override }))).toBe(expected);
  });

  it('reads storage settings on their own (the device endpoint does) with the same messages', () => {
    expect(failure(() => readStorageSettings({ AzureWebJobsStorage__accountName: 'AB' }))).toMatch(
      /^\w+\(AzureWebJobsStorage__accountName\): App setting AzureWebJobsStorage__accountName must be a storage account name/,
    );
    expect(
      readStorageSettings({
        AzureWebJobsStorage__accountName: 'jobs01',
        AzureWebJobsStorage__queueServiceUri: 'https://q.example.net/',
        AzureWebJobsStorage__credential: 'ManagedIdentity',
      }),
    ).toEqual({
      kind: 'identity',
      tableServiceUri: 'https://jobs01.table.core.windows.net',
      queueServiceUri: 'https://q.example.net',
      credential: 'managedidentity',
      clientId: undefined,
    });
  });

  it('reads valid settings as before', () => {
    const config = loadConfig({
      ...base,
      JOB_SHARD_SIZE: ' 250 ',
      JOB_EVENTS_QUEUE: '',
      JOBS_TABLE_PREFIX: 'T1',
      IOTHUB_PLAIN_HTTP_PORT: '8080',
      DEMO_FLEET_SIZE: '',
      JOB_RETENTION_SCHEDULE: ' 0 0 1 * * * ',
    });
    expect(config.jobs.settings.shardSize).toBe(250);
    expect(config.jobs.events.queueName).toBeUndefined();
    expect(config.jobs.tablePrefix).toBe('T1');
    expect(config.jobs.retentionSchedule).toBe('0 0 1 * * *');
    expect(config.devices.iothubPlainHttpPort).toBe(8080);
    expect(config.devices.demoFleetSize).toBe(0);
  });

  it.each<[Record<string, string>, unknown, unknown]>([
    [{ SIMULATION_DEFAULT_PROFILE: '   ' }, { latencyMs: [20, 80], failureRate: 0 }, undefined],
    [{ SIMULATION_DEFAULT_PROFILE: ' {"latencyMs":5} ' }, { latencyMs: 5, failureRate: 0 }, undefined],
    [
      { DEVICE_GATEWAY: 'iothub', IOTHUB_CONNECTION_STRING: '  HostName=x  ' },
      { latencyMs: [20, 80], failureRate: 0 },
      'HostName=x',
    ],
    [
      { DEVICE_GATEWAY: 'simulated', IOTHUB_CONNECTION_STRING: '  HostName=x  ' },
      { latencyMs: [20, 80], failureRate: 0 },
      '  HostName=x  ',
    ],
  ])(
    'reads the default simulation profile and the hub connection string as before (%j)',
    (env, profile, hub) => {
      const { devices } = loadConfig({ ...base, ...env });
      expect(devices.defaultSimulation).toEqual(profile);
      expect(devices.iothubConnectionString).toBe(hub);
    },
  );
});
