import {
  createSasToken,
  parseConnectionString,
  signingIdentity,
} from '../../../packages/dashboard/src/connection';
import { SasAuthorizer } from '../../../shared/http/sas-authorizer';

const key = Buffer.from('a development key of 32 bytes!!!').toString('base64');
const connectionString = `HostName=jobs.example.net;SharedAccessKeyName=operator;SharedAccessKey=${key}`;

describe('the dashboard connection string and SAS tokens', () => {
  it('reads the three fields in any order and letter case', () => {
    expect(
      parseConnectionString(
        ` sharedaccesskey=${key};HOSTNAME=jobs.example.net;SharedAccessKeyName=operator; `,
      ),
    ).toEqual({
      hostName: 'jobs.example.net',
      keyName: 'operator',
      key,
    });
  });

  it('says what is missing or malformed', () => {
    expect(() => parseConnectionString('HostName=h')).toThrow(
      'The connection string has no SharedAccessKeyName, SharedAccessKey.',
    );
    expect(() => parseConnectionString('HostName')).toThrow('"HostName" is not a Name=value pair.');
    expect(() =>
      parseConnectionString('HostName=h;SharedAccessKeyName=p;SharedAccessKey=not base64!'),
    ).toThrow('SharedAccessKey is not base64.');
  });

  const identityOf = (text: string) => signingIdentity(parseConnectionString(text));

  it('signs with Web Crypto a token the service accepts, and one with another key it refuses', async () => {
    const now = Date.parse('2026-11-29T12:00:00Z');
    const authorizer = new SasAuthorizer(
      [{ name: 'operator', key, rights: ['ServiceConnect'] }],
      'jobs.example.net',
      () => now,
    );
    const token = await createSasToken(await identityOf(connectionString), now / 1000 + 3600);
    expect(authorizer.authorize(token, '/jobs/v2/x', { anyOf: ['ServiceConnect'] })).toBe('operator');

    const otherKey = Buffer.alloc(32, 7).toString('base64');
    const forged = await createSasToken(
      await identityOf(connectionString.replace(key, otherKey)),
      now / 1000 + 3600,
    );
    expect(() => authorizer.authorize(forged, '/jobs/v2/x', { anyOf: ['ServiceConnect'] })).toThrow();
    const expired = await createSasToken(await identityOf(connectionString), now / 1000 - 1);
    expect(() => authorizer.authorize(expired, '/jobs/v2/x', { anyOf: ['ServiceConnect'] })).toThrow();
  });

  it("signs with a policy's secondary key as well as its primary", async () => {
    const now = Date.parse('2026-11-29T12:00:00Z');
    const secondary = Buffer.alloc(32, 9).toString('base64');
    const authorizer = new SasAuthorizer(
      [{ name: 'operator', key, secondaryKey: secondary, rights: ['ServiceConnect'] }],
      'jobs.example.net',
      () => now,
    );
    const token = await createSasToken(
      await identityOf(connectionString.replace(key, secondary)),
      now / 1000 + 3600,
    );
    expect(authorizer.authorize(token, '/jobs/v2/x', { anyOf: ['ServiceConnect'] })).toBe('operator');
  });

  it('keeps the key as a non-extractable CryptoKey that signs but cannot be read back', async () => {
    const identity = await identityOf(connectionString);
    expect(identity).toMatchObject({ hostName: 'jobs.example.net', keyName: 'operator' });
    expect(identity.key.extractable).toBe(false);
    expect(identity.key.usages).toEqual(['sign']);
    await expect(crypto.subtle.exportKey('raw', identity.key)).rejects.toThrow();
    expect(JSON.stringify(identity)).not.toContain(key);
  });
});
