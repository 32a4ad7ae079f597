import { ManagedIdentityCredential, DefaultAzureCredential } from '@azure/identity';
import { loadConfig } from '../../../../shared/config';
import { storageCredential, tableClientFor } from '../../../../shared/storage/storage-clients';
import { readStorageSettings } from '../../../../shared/storage/storage-settings';

describe('storage by connection string or identity (the settings the Functions host reads)', () => {
  it('prefers a connection string in AzureWebJobsStorage, as the host does', () => {
    expect(
      readStorageSettings({
        AzureWebJobsStorage: 'UseDevelopmentStorage=true',
        AzureWebJobsStorage__accountName: 'acct1',
      }),
    ).toEqual({ kind: 'connectionString', connectionString: 'UseDevelopmentStorage=true' });
  });

  it('derives the public endpoints from __accountName, and lets __tableServiceUri/__queueServiceUri override them', () => {
    expect(readStorageSettings({ AzureWebJobsStorage__accountName: 'jobsdata01' })).toEqual({
      kind: 'identity',
      tableServiceUri: 'https://jobsdata01.table.core.windows.net',
      queueServiceUri: 'https://jobsdata01.queue.core.windows.net',
      credential: undefined,
      clientId: undefined,
    });
    expect(
      readStorageSettings({
        AzureWebJobsStorage__tableServiceUri: 'https://jobs.table.core.chinacloudapi.cn/',
        AzureWebJobsStorage__credential: 'ManagedIdentity',
        AzureWebJobsStorage__clientId: '00000000-0000-0000-0000-000000000001',
      }),
    ).toEqual({
      kind: 'identity',
      tableServiceUri: 'https://jobs.table.core.chinacloudapi.cn',
      queueServiceUri: undefined,
      credential: 'managedidentity',
      clientId: '00000000-0000-0000-0000-000000000001',
    });
  });

  it.each([
    [{}, 'AzureWebJobsStorage'],
    [{ AzureWebJobsStorage__queueServiceUri: 'https://a.queue.core.windows.net' }, 'AzureWebJobsStorage'],
    [{ AzureWebJobsStorage__accountName: 'Not_An_Account' }, 'AzureWebJobsStorage__accountName'],
    [
      { AzureWebJobsStorage__tableServiceUri: 'http://a.table.core.windows.net' },
      'AzureWebJobsStorage__tableServiceUri',
    ],
    [
      { AzureWebJobsStorage__accountName: 'acct1', AzureWebJobsStorage__credential: 'secret' },
      'AzureWebJobsStorage__credential',
    ],
  ])('refuses %j at load, naming %s', (env, setting) => {
    const policies = '[{"name":"p","key":"a2V5","rights":["RegistryRead"]}]';
    expect(() => loadConfig({ ...env, JOBS_ACCESS_POLICIES: policies })).toThrow(`App setting ${setting} `);
  });

  it('picks ManagedIdentityCredential for __credential=managedidentity, else DefaultAzureCredential, with the client id', () => {
    expect(storageCredential({ credential: 'managedidentity', clientId: 'abc' })).toBeInstanceOf(
      ManagedIdentityCredential,
    );
    expect(storageCredential({ credential: undefined, clientId: undefined })).toBeInstanceOf(
      DefaultAzureCredential,
    );
  });

  it('points table clients at the identity endpoint', () => {
    const client = tableClientFor(
      readStorageSettings({ AzureWebJobsStorage__accountName: 'jobsdata01' }),
      'jobs',
    );
    expect(client.url).toBe('https://jobsdata01.table.core.windows.net');
    expect(client.tableName).toBe('jobs');
  });
});
