import { readMethodInvocation } from '../../../../shared/devices/method-request';

/** `POST /twins/{id}/methods` (and the gateways) answer what they always answered for each bad field. */
function answer(body: unknown): string {
  try {
    return JSON.stringify(readMethodInvocation(body));
  } catch (error: unknown) {
    return `${(error as { code?: string }).code}: ${(error as Error).message}`;
  }
}

const big = 'x'.repeat(128 * 1024);

describe('method invocation body', () => {
  it.each([
    [null, 'ArgumentInvalid: The method call must be a JSON object.'],
    [[1], 'ArgumentInvalid: The method call must be a JSON object.'],
    [{}, 'ArgumentInvalid: methodName is required and must be a non-empty string.'],
    [{ methodName: 5 }, 'ArgumentInvalid: methodName is required and must be a non-empty string.'],
    [{ methodName: '  ' }, 'ArgumentInvalid: methodName is required and must be a non-empty string.'],
    [{ methodName: 'm'.repeat(129) }, 'ArgumentInvalid: methodName may be at most 128 characters.'],
    [
      { methodName: 'a', payload: big },
      'ArgumentInvalid: The method payload is 131074 bytes: at most 131072 bytes (128 KB) are allowed.',
    ],
    [
      { methodName: 'a', responseTimeoutInSeconds: 4 },
      'ArgumentInvalid: responseTimeoutInSeconds must be a whole number of seconds from 5 to 300.',
    ],
    [
      { methodName: 'a', responseTimeoutInSeconds: '30' },
      'ArgumentInvalid: responseTimeoutInSeconds must be a whole number of seconds from 5 to 300.',
    ],
    [
      { methodName: 'a', responseTimeoutInSeconds: 1.5, connectTimeoutInSeconds: -1 },
      'ArgumentInvalid: responseTimeoutInSeconds must be a whole number of seconds from 5 to 300.',
    ],
    [
      { methodName: 'a', connectTimeoutInSeconds: 301 },
      'ArgumentInvalid: connectTimeoutInSeconds must be a whole number of seconds from 0 to 300.',
    ],
    [
      { methodName: 'a' },
      '{"methodName":"a","payload":null,"responseTimeoutInSeconds":30,"connectTimeoutInSeconds":0}',
    ],
    [
      {
        methodName: 'a',
        payload: { x: 1 },
        responseTimeoutInSeconds: null,
        connectTimeoutInSeconds: 300,
        y: 1,
      },
      '{"methodName":"a","payload":{"x":1},"responseTimeoutInSeconds":30,"connectTimeoutInSeconds":300}',
    ],
  ])('case %# answers as before', (body, expected) => {
    expect(answer(body)).toBe(expected);
  });
});
