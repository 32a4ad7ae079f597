import { readIdentityInput, validateDeviceId } from '../../../../shared/devices/simulated/registry-bodies';

/** A device identity body (`PUT /devices/{id}`, bulk and import entries) answers what it always answered. */
function answer(body: Record<string, unknown>): string {
  try {
    const input = readIdentityInput(body);
    const { authentication, ...rest } = input;
    const keys = authentication.symmetricKey;
    return JSON.stringify({
      ...rest,
      authentication: { ...authentication, symmetricKey: keys && Object.keys(keys) },
    });
  } catch (error: unknown) {
    return `${(error as { code?: string }).code}: ${(error as Error).message}`;
  }
}

const KEY = Buffer.alloc(32, 7).toString('base64');
const SAS = '{"type":"sas","symmetricKey":["primaryKey","secondaryKey"]}';

describe('device identity body', () => {
  it.each([
    [{ status: 'on' }, "ArgumentInvalid: status must be 'enabled' or 'disabled'."],
    [
      { status: null },
      `{"status":"enabled","statusReason":null,"capabilities":{"iotEdge":false},"scopes":{},"authentication":${SAS}}`,
    ],
    [{ statusReason: 5 }, 'ArgumentInvalid: statusReason must be a string.'],
    [{ status: 'on', statusReason: 5 }, "ArgumentInvalid: status must be 'enabled' or 'disabled'."],
    [{ authentication: 'sas' }, 'ArgumentInvalid: authentication must be an object.'],
    [{ authentication: [] }, 'ArgumentInvalid: authentication must be an object.'],
    [{ authentication: { type: 'x509' } }, 'ArgumentInvalid: authentication.type "x509" is not supported.'],
    [{ authentication: { type: 5 } }, 'ArgumentInvalid: authentication.type 5 is not supported.'],
    [
      { authentication: { symmetricKey: { primaryKey: 'c2hvcnQ=' } } },
      'ArgumentInvalid: authentication.symmetricKey.primaryKey must be a base64 key of 16 to 64 bytes.',
    ],
    [
      { authentication: { symmetricKey: { primaryKey: KEY, secondaryKey: 7 } } },
      'ArgumentInvalid: authentication.symmetricKey.secondaryKey must be a base64 key of 16 to 64 bytes.',
    ],
    [
      { simulation: { failureRate: 2 } },
      'ArgumentInvalid: simulation.failureRate must be a number from 0 to 1.',
    ],
    [{ deviceScope: 5 }, 'ArgumentInvalid: deviceScope must be a string.'],
    [{ parentScopes: 'a' }, 'ArgumentInvalid: parentScopes must be a list of scope strings.'],
    [{ parentScopes: ['a', 1] }, 'ArgumentInvalid: parentScopes must be a list of scope strings.'],
    [
      { parentScopes: ['a', 'b'] },
      'ArgumentInvalid: parentScopes holds at most one scope: a device has one parent.',
    ],
    [{ statusReason: 5, parentScopes: 'a' }, 'ArgumentInvalid: statusReason must be a string.'],
    [
      {},
      `{"status":"enabled","statusReason":null,"capabilities":{"iotEdge":false},"scopes":{},"authentication":${SAS}}`,
    ],
    [
      {
        status: 'disabled',
        statusReason: '',
        capabilities: { iotEdge: 'yes' },
        authentication: null,
        simulation: null,
        deviceScope: '',
        parentScopes: null,
      },
      `{"status":"disabled","statusReason":null,"capabilities":{"iotEdge":false},"simulation":null,"scopes":{},"authentication":${SAS}}`,
    ],
    [
      {
        statusReason: 'why',
        capabilities: { iotEdge: true },
        authentication: {
          type: 'selfSigned',
          x509Thumbprint: { primaryThumbprint: 'AB', secondaryThumbprint: 3 },
        },
        deviceScope: 's',
        parentScopes: ['p'],
      },
      '{"status":"enabled","statusReason":"why","capabilities":{"iotEdge":true},"scopes":{"deviceScope":"s","parentScopes":["p"]},"authentication":{"type":"selfSigned","x509Thumbprint":{"primaryThumbprint":"AB","secondaryThumbprint":null}}}',
    ],
    [
      { authentication: { type: 'none', x509Thumbprint: 'x' } },
      '{"status":"enabled","statusReason":null,"capabilities":{"iotEdge":false},"scopes":{},"authentication":{"type":"none","x509Thumbprint":{"primaryThumbprint":null,"secondaryThumbprint":null}}}',
    ],
  ])('case %# answers as before', (body, expected) => {
    expect(answer(body)).toBe(expected);
  });

  it('keeps keys given and refuses bad device ids naming where', () => {
    const input = readIdentityInput({
      authentication: { symmetricKey: { primaryKey: KEY, secondaryKey: KEY } },
    });
    expect(input.authentication.symmetricKey).toEqual({ primaryKey: KEY, secondaryKey: KEY });
    expect(validateDeviceId('ok-1')).toBe('ok-1');
    expect(() => validateDeviceId('a b', 'Entry 3: id')).toThrow(
      "Entry 3: id must be 1 to 128 characters of letters, digits and - . % _ * ? ! ( ) , : = @ $ '.",
    );
    expect(() => validateDeviceId(5)).toThrow(/^deviceId must be 1 to 128/);
  });
});
