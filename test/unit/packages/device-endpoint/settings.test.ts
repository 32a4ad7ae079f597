import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  appEnvironment,
  EndpointSettingsError,
  readEndpointSettings,
} from '../../../../packages/device-endpoint/settings';
import { jsonParseError } from '../../../support/json-parse-error';

const STORAGE = { AzureWebJobsStorage: 'UseDevelopmentStorage=true' };

describe("the device endpoint's settings", () => {
  // The messages are those the hand-written reader gave before the settings were read by a schema.
  test.each<[string, Record<string, string | undefined>, string]>([
    ['no storage', {}, 'AzureWebJobsStorage is not set (environment or local.settings.json).'],
    [
      'blank storage',
      { AzureWebJobsStorage: '  ' },
      'AzureWebJobsStorage is not set (environment or local.settings.json).',
    ],
    [
      'storage is checked before the profile',
      { SIMULATION_DEFAULT_PROFILE: '{' },
      'AzureWebJobsStorage is not set (environment or local.settings.json).',
    ],
    [
      'a profile that is not JSON',
      { ...STORAGE, SIMULATION_DEFAULT_PROFILE: '{' },
      `SIMULATION_DEFAULT_PROFILE is invalid: ${jsonParseError('{')}`,
    ],
    [
      'a profile the schema refuses',
      { ...STORAGE, SIMULATION_DEFAULT_PROFILE: '{"offline":"yes"}' },
      'SIMULATION_DEFAULT_PROFILE is invalid: simulation.offline must be a boolean.',
    ],
  ])('refuses %s', (_what, env, message) => {
    expect(() => readEndpointSettings(env)).toThrow(EndpointSettingsError);
    expect(() => readEndpointSettings(env)).toThrow(message);
  });

  test('reads the host name, the default profile and the storage settings', () => {
    expect(
      readEndpointSettings({
        ...STORAGE,
        JOBS_HOST_NAME: ' hub.example ',
        SIMULATION_DEFAULT_PROFILE: ' {"offline":true} ',
      }),
    ).toEqual({
      storage: { kind: 'connectionString', connectionString: 'UseDevelopmentStorage=true' },
      hostName: 'hub.example',
      defaultSimulation: { offline: true },
    });
    expect(readEndpointSettings({ ...STORAGE, JOBS_HOST_NAME: ' ', SIMULATION_DEFAULT_PROFILE: '' })).toEqual(
      {
        storage: { kind: 'connectionString', connectionString: 'UseDevelopmentStorage=true' },
        hostName: 'localhost',
        defaultSimulation: {},
      },
    );
  });

  test('local.settings.json Values are read as text, under the environment', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'endpoint-settings-'));
    try {
      expect(appEnvironment(dir, { A: '1' })).toEqual({ A: '1' });
      fs.writeFileSync(
        path.join(dir, 'local.settings.json'),
        JSON.stringify({ IsEncrypted: false, Values: { A: 'file', B: 2, C: true } }),
      );
      expect(appEnvironment(dir, { A: 'env' })).toEqual({ A: 'env', B: '2', C: 'true' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
