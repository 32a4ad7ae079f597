import crypto from 'node:crypto';
import {
  createSasToken,
  parseSasToken,
  SasAuthorizer,
  signSas,
} from '../../../../shared/http/sas-authorizer';
import { UnauthorizedAccessError } from '../../../../shared/http/iothub-errors';

const owner = { name: 'iothubowner', key: Buffer.alloc(32, 7).toString('base64') };
const reader = { name: 'registryRead', key: Buffer.alloc(32, 9).toString('base64') };
const NOW = 1_800_000_000_000;
const authorizer = new SasAuthorizer(
  [
    { ...owner, rights: ['RegistryRead', 'RegistryWrite', 'ServiceConnect'] },
    { ...reader, rights: ['RegistryRead'] },
  ],
  'localhost',
  () => NOW,
);
const inAnHour = NOW / 1000 + 3600;

function expectUnauthorized(action: () => unknown): void {
  let caught: unknown;
  try {
    action();
  } catch (error: unknown) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(UnauthorizedAccessError);
  expect((caught as UnauthorizedAccessError).message).toBe('Unauthorized');
}

describe('SasAuthorizer', () => {
  it('accepts a token built like the SDK builds it and returns the policy name', () => {
    const token = createSasToken('localhost', owner, inAnHour);
    expect(authorizer.authorize(token, '/devices/a', { allOf: ['RegistryWrite'] })).toBe('iothubowner');
  });

  it('accepts the fields in any order, a URL-encoded sr and a host name in another case', () => {
    const sr = encodeURIComponent('LocalHost');
    const sig = encodeURIComponent(signSas(owner.key, sr, String(inAnHour)));
    const token = `SharedAccessSignature skn=iothubowner&se=${inAnHour}&sig=${sig}&sr=${sr}`;
    expect(authorizer.authorize(token, '/twins/x', { allOf: ['ServiceConnect'] })).toBe('iothubowner');
  });

  it('scopes a token whose sr carries a path to the request paths below it', () => {
    const token = createSasToken('localhost/devices', owner, inAnHour);
    expect(authorizer.authorize(token, '/devices/a', { allOf: ['RegistryRead'] })).toBe('iothubowner');
    expect(authorizer.authorize(token, '/devices', { allOf: ['RegistryRead'] })).toBe('iothubowner');
    expectUnauthorized(() => authorizer.authorize(token, '/devicesX', { allOf: ['RegistryRead'] }));
    expectUnauthorized(() => authorizer.authorize(token, '/twins/a', { allOf: ['RegistryRead'] }));
  });

  it('refuses an expired token', () => {
    expectUnauthorized(() =>
      authorizer.authorize(createSasToken('localhost', owner, NOW / 1000 - 1), '/devices/a', {
        allOf: ['RegistryRead'],
      }),
    );
  });

  it('refuses a token signed with another key', () => {
    const forged = createSasToken('localhost', { name: 'iothubowner', key: reader.key }, inAnHour);
    expectUnauthorized(() => authorizer.authorize(forged, '/devices/a', { allOf: ['RegistryRead'] }));
  });

  it('refuses a token for another host', () => {
    const token = createSasToken('otherhub.azure-devices.net', owner, inAnHour);
    expectUnauthorized(() => authorizer.authorize(token, '/devices/a', { allOf: ['RegistryRead'] }));
  });

  it('refuses an unknown policy, a missing header and garbage', () => {
    const unknown = createSasToken('localhost', { name: 'nobody', key: owner.key }, inAnHour);
    expectUnauthorized(() => authorizer.authorize(unknown, '/devices/a', { allOf: ['RegistryRead'] }));
    expectUnauthorized(() => authorizer.authorize(undefined, '/devices/a', { allOf: ['RegistryRead'] }));
    expectUnauthorized(() => authorizer.authorize('Bearer abc', '/devices/a', { allOf: ['RegistryRead'] }));
    expectUnauthorized(() =>
      authorizer.authorize('SharedAccessSignature sr=localhost&sig=%E0%A4%A&se=1&skn=x', '/', {
        allOf: ['RegistryRead'],
      }),
    );
  });

  it('refuses a policy that lacks a required right', () => {
    const token = createSasToken('localhost', reader, inAnHour);
    expect(authorizer.authorize(token, '/devices/a', { allOf: ['RegistryRead'] })).toBe('registryRead');
    expectUnauthorized(() => authorizer.authorize(token, '/devices/a', { allOf: ['RegistryWrite'] }));
    expectUnauthorized(() => authorizer.authorize(token, '/twins/a/methods', { allOf: ['ServiceConnect'] }));
  });

  it('refuses a tampered expiry (the signature covers se)', () => {
    const token = createSasToken('localhost', owner, inAnHour).replace(
      `se=${inAnHour}`,
      `se=${inAnHour + 10}`,
    );
    expectUnauthorized(() => authorizer.authorize(token, '/devices/a', { allOf: ['RegistryRead'] }));
  });

  it('parses tokens strictly', () => {
    expect(parseSasToken('SharedAccessSignature sr=a&sig=b&se=1&skn=c')).toEqual({
      sr: 'a',
      sig: 'b',
      se: '1',
      skn: 'c',
    });
    expect(parseSasToken('SharedAccessSignature sr=a&sig=b&se=1')).toBeUndefined();
    expect(parseSasToken('SharedAccessSignature sr=a&sr=b&sig=b&se=1&skn=c')).toBeUndefined();
    expect(parseSasToken('SharedAccessSignature sr=a&sig&se=1&skn=c')).toBeUndefined();
  });
});

describe('rights requirements', () => {
  it('accepts any one right of an anyOf list and needs every right of an allOf list', () => {
    const token = createSasToken('localhost', reader, inAnHour);
    expect(authorizer.authorize(token, '/twins/a', { anyOf: ['ServiceConnect', 'RegistryRead'] })).toBe(
      'registryRead',
    );
    expectUnauthorized(() =>
      authorizer.authorize(token, '/twins/a', { allOf: ['ServiceConnect', 'RegistryRead'] }),
    );
  });
});

describe('SAS scope (decoded path segments, case-sensitive after the host)', () => {
  /** A token scoped to `host/<path>` as the device SDK builds it: the whole resource URL-encoded once. */
  function scoped(path: string, host = 'localhost'): string {
    const sr = encodeURIComponent(`${host}/${path}`);
    const sig = encodeURIComponent(signSas(owner.key, sr, String(inAnHour)));
    return `SharedAccessSignature sr=${sr}&sig=${sig}&se=${inAnHour}&skn=iothubowner`;
  }
  const read = { allOf: ['RegistryRead'] } as const;

  it('refuses a token for dev1 on DEV1: device ids are case-sensitive', () => {
    const token = scoped('devices/dev1');
    expect(authorizer.authorize(token, '/devices/dev1', read)).toBe('iothubowner');
    expect(authorizer.authorize(token, '/devices/dev1/twin', read)).toBe('iothubowner');
    expectUnauthorized(() => authorizer.authorize(token, '/devices/DEV1', read));
    expectUnauthorized(() => authorizer.authorize(token, '/DEVICES/dev1', read));
    expectUnauthorized(() => authorizer.authorize(token, '/devices/dev10', read));
  });

  it.each(['dev?1', 'dev$1', 'dev@1', "a%b'(c)", 'x:y=z!'])(
    'matches a scope naming %s against the percent-encoded request path',
    (id) => {
      const token = scoped(`devices/${id}`);
      expect(authorizer.authorize(token, `/devices/${encodeURIComponent(id)}`, read)).toBe('iothubowner');
      expectUnauthorized(() => authorizer.authorize(token, `/twins/${encodeURIComponent(id)}`, read));
    },
  );

  it('still takes the host name in any case', () => {
    expect(authorizer.authorize(scoped('devices/dev1', 'LocalHost'), '/devices/dev1', read)).toBe(
      'iothubowner',
    );
  });
});

describe('key rotation: primary and secondary keys', () => {
  const primary = Buffer.alloc(32, 1).toString('base64');
  const secondary = Buffer.alloc(32, 2).toString('base64');
  const rotating = new SasAuthorizer(
    [{ name: 'service', key: primary, secondaryKey: secondary, rights: ['ServiceConnect'] }],
    'localhost',
    () => NOW,
  );
  const connect = { allOf: ['ServiceConnect'] } as const;

  it('accepts tokens signed with either key and refuses any other key', () => {
    for (const key of [primary, secondary]) {
      const token = createSasToken('localhost', { name: 'service', key }, inAnHour);
      expect(rotating.authorize(token, '/twins/a/methods', connect)).toBe('service');
    }
    const other = createSasToken('localhost', { name: 'service', key: owner.key }, inAnHour);
    expectUnauthorized(() => rotating.authorize(other, '/twins/a/methods', connect));
  });
});

describe('an unknown policy name costs what a wrong signature costs', () => {
  it('computes as many signatures for an unknown skn as for a known one', () => {
    const wrongSignature = createSasToken('localhost', { name: 'iothubowner', key: reader.key }, inAnHour);
    const unknownName = createSasToken('localhost', { name: 'nobody', key: reader.key }, inAnHour);
    const hmacs = jest.spyOn(crypto, 'createHmac');
    expectUnauthorized(() => authorizer.authorize(wrongSignature, '/devices/a', { allOf: ['RegistryRead'] }));
    const forKnown = hmacs.mock.calls.length;
    hmacs.mockClear();
    expectUnauthorized(() => authorizer.authorize(unknownName, '/devices/a', { allOf: ['RegistryRead'] }));
    expect(hmacs.mock.calls.length).toBe(forKnown);
    expect(forKnown).toBeGreaterThan(0);
    hmacs.mockRestore();
  });
});
