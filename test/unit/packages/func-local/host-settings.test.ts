import {
  FunctionTimeoutError,
  readFunctionTimeout,
  withFunctionTimeout,
} from '../../../../packages/func-local/host/function-timeout';
import { formatTimeSpan } from '../../../../packages/func-local/host/time-span';
import { withHostJsonOverrides } from '../../../../packages/func-local/host/host-json-overrides';

describe('host.json overrides from AzureFunctionsJobHost__ app settings', () => {
  const hostJson = {
    version: '2.0',
    functionTimeout: '00:05:00',
    extensions: { durableTask: { hubName: 'DeviceJobsHub', maxConcurrentActivityFunctions: 10 } },
  };

  it('sets values at their path, matching prefix and keys case-insensitively, and leaves host.json untouched', () => {
    const result = withHostJsonOverrides(hostJson, {
      AzureFunctionsJobHost__functionTimeout: '00:00:20',
      azurefunctionsjobhost__EXTENSIONS__durabletask__HubName: 'OtherHub',
      AzureFunctionsJobHost__extensions__durableTask__maxConcurrentActivityFunctions: '4',
      UNRELATED: 'x',
    });
    expect(result).toEqual({
      version: '2.0',
      functionTimeout: '00:00:20',
      extensions: { durableTask: { hubName: 'OtherHub', maxConcurrentActivityFunctions: 4 } },
    });
    expect(hostJson.extensions.durableTask.hubName).toBe('DeviceJobsHub');
  });

  it('creates missing sections, typing new numbers and booleans, keeping text where text was', () => {
    expect(
      withHostJsonOverrides(
        { extensions: { http: { routePrefix: 'api' } } },
        {
          AzureFunctionsJobHost__extensions__http__routePrefix: '',
          AzureFunctionsJobHost__extensions__queues__batchSize: '8',
          AzureFunctionsJobHost__extensions__queues__enabled: 'True',
          AzureFunctionsJobHost__functionTimeout: '-1',
          AzureFunctionsJobHost____bad: 'ignored',
        },
      ),
    ).toEqual({
      functionTimeout: -1,
      extensions: { http: { routePrefix: '' }, queues: { batchSize: 8, enabled: true } },
    });
  });
});

describe('functionTimeout', () => {
  it("uses each plan's default when host.json has none", () => {
    expect(readFunctionTimeout(undefined, 'consumption')).toBe(300_000);
    expect(readFunctionTimeout(undefined, 'flex')).toBe(1_800_000);
    expect(readFunctionTimeout(undefined, 'premium')).toBe(1_800_000);
  });

  it('accepts TimeSpans within the plan limits and -1 (none) only where the plan allows it', () => {
    expect(readFunctionTimeout('00:10:00', 'consumption')).toBe(600_000);
    expect(readFunctionTimeout('00:00:01', 'consumption')).toBe(1_000);
    expect(readFunctionTimeout('02:00:00', 'dedicated')).toBe(7_200_000);
    expect(readFunctionTimeout('-1', 'flex')).toBeUndefined();
    expect(readFunctionTimeout(-1, 'premium')).toBeUndefined();
    expect(() => readFunctionTimeout(-1, 'consumption')).toThrow(
      'host.json functionTimeout -1 is not valid on the consumption plan: it must be a TimeSpan from 00:00:01 to 00:10:00.',
    );
    expect(() => readFunctionTimeout('00:10:01', 'consumption')).toThrow('from 00:00:01 to 00:10:00');
    expect(() => readFunctionTimeout('00:00:00.500', 'premium')).toThrow('at least 00:00:01, or -1');
    expect(() => readFunctionTimeout('five minutes', 'flex')).toThrow('not valid on the flex plan');
  });

  it('formats TimeSpans as .NET prints them', () => {
    expect(formatTimeSpan(300_000)).toBe('00:05:00');
    expect(formatTimeSpan(90_061_500)).toBe('1.01:01:01.5000000');
  });

  it("rejects a late invocation with the host's FunctionTimeoutException text, and passes a timely one through", async () => {
    const late = withFunctionTimeout(new Promise(() => undefined), 'runShard', 20);
    await expect(late).rejects.toBeInstanceOf(FunctionTimeoutError);
    await expect(late).rejects.toThrow(
      'Timeout value of 00:00:00.0200000 was exceeded by function: Functions.runShard',
    );
    await expect(withFunctionTimeout(Promise.resolve('done'), 'x', 1_000)).resolves.toBe('done');
    await expect(withFunctionTimeout(Promise.resolve('done'), 'x', undefined)).resolves.toBe('done');
  });
});
