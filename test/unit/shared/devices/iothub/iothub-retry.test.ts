import { mapSdkError } from '../../../../../shared/devices/iothub/sdk-errors';
import { retryDelay, withRetry, type RetryOptions } from '../../../../../shared/devices/iothub/retry';
import { GatewayTimeoutError, ServiceUnavailableError, ThrottlingError } from '../../../../../shared/http';

function sdkError(statusCode: number, body: string, headers: Record<string, string> = {}): Error {
  return Object.assign(new Error('sdk says no'), { response: { statusCode, headers }, responseBody: body });
}

const legacy = (code: string) => JSON.stringify({ Message: `ErrorCode:${code};text`, ExceptionMessage: '' });

describe('mapSdkError', () => {
  it.each([
    [400, 'ArgumentInvalid', 'ArgumentInvalid'],
    [401, 'IotHubUnauthorizedAccess', 'IotHubUnauthorizedAccess'],
    [404, 'DeviceNotFound', 'DeviceNotFound'],
    [404, 'DeviceNotOnline', 'DeviceNotOnline'],
    [412, 'PreconditionFailed', 'PreconditionFailed'],
    [429, 'ThrottlingException', 'ThrottlingException'],
    [503, 'ServiceUnavailable', 'ServiceUnavailable'],
    [504, 'GatewayTimeout', 'GatewayTimeout'],
    [500, 'ServerError', 'ServerError'],
  ])('maps HTTP %i %s to %s', (status, code, expected) => {
    expect(mapSdkError(sdkError(status, legacy(code)), 'd1')).toMatchObject({ code: expected });
  });

  it('reads the code from the iothub-errorcode header and Retry-After in seconds', () => {
    const mapped = mapSdkError(
      sdkError(429, '', { 'iothub-errorcode': 'ThrottlingException', 'retry-after': '3' }),
      'd1',
    );
    expect(mapped).toBeInstanceOf(ThrottlingError);
    expect((mapped as ThrottlingError).retryAfterSeconds).toBe(3);
  });

  it('treats a network failure as ServiceUnavailable (retryable)', () => {
    expect(mapSdkError(new Error('ECONNREFUSED'), 'd1')).toBeInstanceOf(ServiceUnavailableError);
  });
});

describe('withRetry', () => {
  const options = (slept: number[]): RetryOptions => ({
    maxAttempts: 4,
    baseDelayMs: 100,
    maxDelayMs: 1000,
    sleep: (ms) => (slept.push(ms), Promise.resolve()),
    random: () => 0.5,
  });

  it('retries throttling and unavailability, honouring Retry-After', async () => {
    const slept: number[] = [];
    const failures = [new ThrottlingError('slow down', 2), new ServiceUnavailableError()];
    const operation = jest.fn(() => {
      const failure = failures.shift();
      return failure ? Promise.reject(failure) : Promise.resolve('done');
    });
    await expect(withRetry(operation, options(slept))).resolves.toBe('done');
    expect(operation).toHaveBeenCalledTimes(3);
    expect(slept).toEqual([2000, 150]);
  });

  it('gives up after maxAttempts and never retries other errors', async () => {
    const slept: number[] = [];
    await expect(
      withRetry(() => Promise.reject(new ThrottlingError()), options(slept)),
    ).rejects.toBeInstanceOf(ThrottlingError);
    expect(slept).toHaveLength(3);
    const timeout = jest.fn(() => Promise.reject(new GatewayTimeoutError()));
    await expect(withRetry(timeout, options([]))).rejects.toBeInstanceOf(GatewayTimeoutError);
    expect(timeout).toHaveBeenCalledTimes(1);
  });

  it('backs off exponentially with jitter up to the cap, and caps Retry-After at a minute', () => {
    const base = { maxAttempts: 9, baseDelayMs: 100, maxDelayMs: 1000, sleep: () => Promise.resolve() };
    expect(retryDelay(new ServiceUnavailableError(), 1, { ...base, random: () => 0 })).toBe(50);
    expect(retryDelay(new ServiceUnavailableError(), 3, { ...base, random: () => 0.999 })).toBe(400);
    expect(retryDelay(new ServiceUnavailableError(), 8, { ...base, random: () => 0.5 })).toBe(750);
    expect(retryDelay(new ThrottlingError('x', 600), 1, { ...base, random: () => 0 })).toBe(60_000);
  });
});
