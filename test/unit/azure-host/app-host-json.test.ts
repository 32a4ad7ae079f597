import fs from 'node:fs';
import path from 'node:path';
import type { HostJson } from '../../../packages/func-local/app/app-folder';
import { readDurableSettings } from '../../../packages/func-local/durable/durable-settings';
import { readFunctionTimeout } from '../../../packages/func-local/host/function-timeout';
import { withHostJsonOverrides } from '../../../packages/func-local/host/host-json-overrides';

const root = path.resolve(__dirname, '../../..');
const appHostJson = JSON.parse(fs.readFileSync(path.join(root, 'host.json'), 'utf8')) as HostJson;
const hubOf = (env: NodeJS.ProcessEnv) =>
  readDurableSettings(withHostJsonOverrides(appHostJson, env), env, 1).hubName;

describe("the app's host.json under Azure's rules", () => {
  it('names the task hub DeviceJobsHub without any app setting, so the Azure host starts with nothing set', () => {
    expect(JSON.stringify(appHostJson)).not.toMatch(/%\w+%/);
    expect(hubOf({})).toBe('DeviceJobsHub');
  });

  it('takes another hub name from the AzureFunctionsJobHost__ override, and no longer reads TASKHUB_NAME', () => {
    expect(hubOf({ AzureFunctionsJobHost__extensions__durableTask__hubName: 'StagingHub' })).toBe(
      'StagingHub',
    );
    expect(hubOf({ TASKHUB_NAME: 'Ignored' })).toBe('DeviceJobsHub');
  });

  it('leaves functionTimeout to the plan default (5 minutes on Consumption, 30 on Flex Consumption)', () => {
    expect(appHostJson.functionTimeout).toBeUndefined();
    expect(readFunctionTimeout(appHostJson.functionTimeout, 'consumption')).toBe(300_000);
    expect(readFunctionTimeout(appHostJson.functionTimeout, 'flex')).toBe(1_800_000);
  });

  it('keeps the sample settings free of TASKHUB_NAME', () => {
    const sample = JSON.parse(fs.readFileSync(path.join(root, 'local.settings.sample.json'), 'utf8')) as {
      Values: Record<string, string>;
    };
    expect(Object.keys(sample.Values)).not.toContain('TASKHUB_NAME');
  });
});
