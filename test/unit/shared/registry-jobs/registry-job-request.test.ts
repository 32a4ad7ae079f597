import { parseRegistryJobRequest } from '../../../../shared/registry-jobs/registry-job-request';

const container = 'https://acct.blob.core.windows.net/devices?sv=2024&sig=abc';

describe('parseRegistryJobRequest', () => {
  it('reads an export with IoT Hub defaults, and an import with its own container and identity', () => {
    expect(parseRegistryJobRequest({ type: 'Export', outputBlobContainerUri: container })).toEqual({
      type: 'export',
      inputBlobName: 'devices.txt',
      outputBlobContainerUri: container,
      outputBlobName: 'devices.txt',
      excludeKeysInExport: false,
      storageAuthenticationType: 'keyBased',
    });
    expect(
      parseRegistryJobRequest({
        type: 'import',
        inputBlobContainerUri: 'http://127.0.0.1:10000/devstoreaccount1/in',
        inputBlobName: 'in.txt',
        outputBlobContainerUri: container,
        outputBlobName: null,
        excludeKeysInExport: true,
        storageAuthenticationType: 'IdentityBased',
        identity: { userAssignedIdentity: '/subscriptions/s/id' },
        includeConfigurations: false,
      }),
    ).toEqual({
      type: 'import',
      inputBlobContainerUri: 'http://127.0.0.1:10000/devstoreaccount1/in',
      inputBlobName: 'in.txt',
      outputBlobContainerUri: container,
      outputBlobName: 'devices.txt',
      excludeKeysInExport: true,
      storageAuthenticationType: 'identityBased',
      userAssignedIdentity: '/subscriptions/s/id',
    });
  });

  const exportJob = { type: 'export', outputBlobContainerUri: container };
  it.each([
    [[], 'body: must be a JSON object (JobProperties).'],
    [
      {},
      "type: must be 'export' or 'import' (twin and method jobs use PUT /jobs/v2/{jobId}), got undefined.",
    ],
    [{ type: 'Twin' }, 'got "Twin".'],
    [{ ...exportJob, excludeKeysInExport: 'yes' }, 'excludeKeysInExport: must be true or false.'],
    [{ ...exportJob, includeConfigurations: true }, 'includeConfigurations: is not supported'],
    [
      { ...exportJob, inputBlobName: 'x'.repeat(1025) },
      'inputBlobName: must be a blob name of at most 1,024',
    ],
    [{ type: 'export' }, 'outputBlobContainerUri: is required: the URI of a blob container.'],
    [
      { type: 'export', outputBlobContainerUri: 'not a uri' },
      "outputBlobContainerUri: 'not a uri' is not a URI.",
    ],
    [{ type: 'export', outputBlobContainerUri: 'ftp://a/c' }, 'outputBlobContainerUri: must be an https'],
    [
      { type: 'export', outputBlobContainerUri: 'https://a.blob.core.windows.net/' },
      'must name a container.',
    ],
    [{ ...exportJob, outputBlobName: 7 }, 'outputBlobName: must be a blob name'],
    [
      { ...exportJob, storageAuthenticationType: 'sas' },
      'storageAuthenticationType: must be keyBased or identityBased.',
    ],
    [{ ...exportJob, type: 'import' }, 'inputBlobContainerUri: is required: the URI of a blob container.'],
    [{ ...exportJob, identity: 'me' }, 'identity: must be an object.'],
    [
      { ...exportJob, identity: { userAssignedIdentity: '' } },
      'identity.userAssignedIdentity: must be a resource id.',
    ],
  ])('refuses %j: %s', (body, message) => {
    expect(() => parseRegistryJobRequest(body)).toThrow(message);
  });
});
