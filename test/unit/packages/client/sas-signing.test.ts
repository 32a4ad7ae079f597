import {
  createSasToken,
  parseConnectionString,
  SasAuthorizer as ClientAuthorizer,
  webCryptoHmac,
} from '@device-jobs/client';
import { nodeCryptoHmac } from '@device-jobs/client/node';
import { SasAuthorizer } from '../../../../shared/http/sas-authorizer';

const key = Buffer.from('a development key of 32 bytes!!!').toString('base64');
const connectionString = `HostName=jobs.example.net;SharedAccessKeyName=operator;SharedAccessKey=${key}`;

describe("the client's connection string and SAS tokens", () => {
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

  it('signs with Web Crypto a token the service accepts, and one with another key it refuses', async () => {
    const now = Date.parse('2026-11-29T12:00:00Z');
    const authorizer = new SasAuthorizer(
      [{ name: 'operator', key, rights: ['ServiceConnect'] }],
      'jobs.example.net',
      () => now,
    );
    const token = await createSasToken(parseConnectionString(connectionString), now / 1000 + 3600);
    expect(authorizer.authorize(token, '/jobs/v2/x', { anyOf: ['ServiceConnect'] })).toBe('operator');

    const otherKey = Buffer.alloc(32, 7).toString('base64');
    const forged = await createSasToken(
      { hostName: 'jobs.example.net', keyName: 'operator', key: otherKey },
      now / 1000 + 3600,
    );
    expect(() => authorizer.authorize(forged, '/jobs/v2/x', { anyOf: ['ServiceConnect'] })).toThrow();
    const expired = await createSasToken(parseConnectionString(connectionString), now / 1000 - 1);
    expect(() => authorizer.authorize(expired, '/jobs/v2/x', { anyOf: ['ServiceConnect'] })).toThrow();
  });

  it('signs the same token with node:crypto as with Web Crypto', async () => {
    const connection = parseConnectionString(connectionString);
    const expiry = Date.parse('2026-11-29T13:00:00Z') / 1000;
    const node = await createSasToken(connection, expiry, nodeCryptoHmac);
    expect(node).toBe(await createSasToken(connection, expiry, webCryptoHmac));
    expect(node).toMatch(/^SharedAccessSignature sr=jobs\.example\.net&sig=[^&]+&se=\d+&skn=operator$/);
  });

  it('reuses a token until five minutes before it expires, then signs a new one', async () => {
    let now = Date.parse('2026-11-29T12:00:00Z');
    const client = new ClientAuthorizer(parseConnectionString(connectionString), nodeCryptoHmac, () => now);
    const first = await client.authorization();
    now += 54 * 60_000;
    expect(await client.authorization()).toBe(first);
    now += 2 * 60_000;
    const renewed = await client.authorization();
    expect(renewed).not.toBe(first);
    const server = new SasAuthorizer(
      [{ name: 'operator', key, rights: ['ServiceConnect'] }],
      'jobs.example.net',
      () => now,
    );
    expect(server.authorize(renewed, '/jobs/v2/x', { anyOf: ['ServiceConnect'] })).toBe('operator');
  });
});
