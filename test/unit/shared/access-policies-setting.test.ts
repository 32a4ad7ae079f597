import { ConfigError, loadConfig } from '../../../shared/config';

/**
 * JOBS_ACCESS_POLICIES answers what it has always answered for each bad entry (the messages were captured on the
 * hand-written reader before the setting moved onto a schema).
 */
const key = Buffer.alloc(32, 3).toString('base64');
const other = Buffer.alloc(16, 7).toString('base64');
const short = Buffer.alloc(15, 1).toString('base64');
const rights = ['RegistryRead', 'ServiceConnect'];
const settings = (policies: unknown) => ({
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
  JOBS_ACCESS_POLICIES: typeof policies === 'string' ? policies : JSON.stringify(policies),
});

function answer(policies: unknown): string {
  try {
    return JSON.stringify(loadConfig(settings(policies)).accessPolicies);
  } catch (error: unknown) {
    if (!(error instanceof ConfigError)) throw error;
    return `${error.setting}: ${error.message}`;
  }
}

const LIST_RULE =
  'must be a non-empty JSON list of {"name","primaryKey","secondaryKey","rights"} ("key" = "primaryKey").';
const RIGHTS = 'RegistryRead, RegistryWrite, ServiceConnect, DeviceConnect';
const fail = (problem: string) => `JOBS_ACCESS_POLICIES: App setting JOBS_ACCESS_POLICIES ${problem}`;

describe('JOBS_ACCESS_POLICIES entries', () => {
  it.each<[string, unknown, string]>([
    ['empty', '', fail('is missing.')],
    ['blank', '  \n', fail('is missing.')],
    [
      'a Key Vault reference',
      '@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/p/)',
      fail(
        'is an unresolved Key Vault reference (@Microsoft.KeyVault(...)): the platform could not read the secret. ' +
          "Check that the app's identity (keyVaultReferenceIdentity) has Key Vault Secrets User on the vault and " +
          "that the secret exists; the reference status is shown under the app's Environment variables.",
      ),
    ],
    ['not JSON', '[{', fail('is not valid JSON.')],
    ['an object', { name: 'a', key, rights }, fail(LIST_RULE)],
    ['an empty list', [], fail(LIST_RULE)],
    ['a string', '"policies"', fail(LIST_RULE)],
    ['null', 'null', fail(LIST_RULE)],
    ['a number entry', [1], fail('entry 0 is not an object.')],
    ['a null entry', [null], fail('entry 0 is not an object.')],
    ['a list entry', [[]], fail('entry 0 is not an object.')],
    ['no name', [{ key, rights }], fail('entry 0 has no name.')],
    ['an empty name', [{ name: '', key, rights }], fail('entry 0 has no name.')],
    ['a numeric name', [{ name: 5, key, rights }], fail('entry 0 has no name.')],
    ['no name and no key', [{ rights: 'all' }], fail('entry 0 has no name.')],
    [
      'a bad second entry',
      [
        { name: 'a', key, rights },
        { name: 'b', rights },
      ],
      fail('policy b needs a base64 primaryKey (or key) of at least 16 bytes.'),
    ],
    [
      'a second entry that is no object',
      [{ name: 'a', key, rights }, 'b'],
      fail('entry 1 is not an object.'),
    ],
    [
      'the first bad entry first',
      [{ name: 'a', rights }, 7],
      fail('policy a needs a base64 primaryKey (or key) of at least 16 bytes.'),
    ],
    [
      'two different keys',
      [{ name: 'a', key, primaryKey: other, rights }],
      fail('policy a has both "key" and "primaryKey": give one of them.'),
    ],
    [
      'a null primaryKey beside a key',
      [{ name: 'a', key, primaryKey: null, rights }],
      fail('policy a has both "key" and "primaryKey": give one of them.'),
    ],
    [
      'a null key beside a primaryKey',
      [{ name: 'd', key: null, primaryKey: key, rights }],
      fail('policy d has both "key" and "primaryKey": give one of them.'),
    ],
    [
      'no key',
      [{ name: 'a', rights }],
      fail('policy a needs a base64 primaryKey (or key) of at least 16 bytes.'),
    ],
    [
      'a short key',
      [{ name: 'a', key: short, rights }],
      fail('policy a needs a base64 primaryKey (or key) of at least 16 bytes.'),
    ],
    [
      'a key that is no base64',
      [{ name: 'a', key: `${key}!`, rights }],
      fail('policy a needs a base64 primaryKey (or key) of at least 16 bytes.'),
    ],
    [
      'a numeric key',
      [{ name: 'a', primaryKey: 1234567890123456, rights }],
      fail('policy a needs a base64 primaryKey (or key) of at least 16 bytes.'),
    ],
    [
      'a bad key and bad rights',
      [{ name: 'a', key: 'x', rights: 5 }],
      fail('policy a needs a base64 primaryKey (or key) of at least 16 bytes.'),
    ],
    [
      'a short secondaryKey',
      [{ name: 'a', key, secondaryKey: short, rights }],
      fail('policy a: secondaryKey must be base64 of at least 16 bytes.'),
    ],
    [
      'a null secondaryKey',
      [{ name: 'a', key, secondaryKey: null, rights }],
      fail('policy a: secondaryKey must be base64 of at least 16 bytes.'),
    ],
    [
      'a bad secondaryKey and bad rights',
      [{ name: 'a', key, secondaryKey: 'x', rights: 'all' }],
      fail('policy a: secondaryKey must be base64 of at least 16 bytes.'),
    ],
    ['no rights', [{ name: 'a', key }], fail(`policy a has rights outside ${RIGHTS}.`)],
    [
      'rights as text',
      [{ name: 'a', key, rights: 'RegistryRead' }],
      fail(`policy a has rights outside ${RIGHTS}.`),
    ],
    [
      'an unknown right',
      [{ name: 'a', key, rights: ['RegistryRead', 'Everything'] }],
      fail(`policy a has rights outside ${RIGHTS}.`),
    ],
    [
      'a right in lower case',
      [{ name: 'a', key, rights: ['registryread'] }],
      fail(`policy a has rights outside ${RIGHTS}.`),
    ],
    ['a numeric right', [{ name: 'a', key, rights: [1] }], fail(`policy a has rights outside ${RIGHTS}.`)],
  ])('refuses %s', (_, policies, expected) => {
    expect(answer(policies)).toBe(expected);
  });

  it.each<[string, unknown, unknown]>([
    ['a legacy key', [{ name: 'a', key, rights }], [{ name: 'a', key, rights }]],
    [
      'a primary and a secondary key, other fields left out',
      [{ name: 'b', primaryKey: key, secondaryKey: other, rights: [], description: 'ops' }],
      [{ name: 'b', key, secondaryKey: other, rights: [] }],
    ],
    ['the same key twice', [{ name: 'c', key, primaryKey: key, rights }], [{ name: 'c', key, rights }]],
    [
      'padded keys and a blank name',
      [{ name: ' ', key: `${Buffer.alloc(17, 2).toString('base64')}`, rights: ['DeviceConnect'] }],
      [{ name: ' ', key: Buffer.alloc(17, 2).toString('base64'), rights: ['DeviceConnect'] }],
    ],
  ])('reads %s', (_, policies, expected) => {
    expect(answer(policies)).toBe(JSON.stringify(expected));
  });
});
