import { RegistryJobRequestError } from './registry-job-errors';
import type { RegistryJobRequest, StorageAuthenticationType } from './registry-job-model';

/** IoT Hub's blob names when a request names none (no SDK call sets them). */
export const DEFAULT_DEVICES_BLOB = 'devices.txt';
export const IMPORT_ERRORS_BLOB = 'importErrors.log';

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function containerUri(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new RegistryJobRequestError(field, 'is required: the URI of a blob container.');
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new RegistryJobRequestError(field, `'${value}' is not a URI.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new RegistryJobRequestError(field, 'must be an https (or, for local storage, http) URI.');
  }
  if (url.pathname.split('/').filter(Boolean).length === 0) {
    throw new RegistryJobRequestError(field, 'must name a container.');
  }
  return value;
}

function blobName(value: unknown, field: string): string {
  if (value === undefined || value === null || value === '') return DEFAULT_DEVICES_BLOB;
  if (typeof value !== 'string' || value.length > 1024) {
    throw new RegistryJobRequestError(field, 'must be a blob name of at most 1,024 characters.');
  }
  return value;
}

function authenticationType(value: unknown): StorageAuthenticationType {
  if (value === undefined || value === null) return 'keyBased';
  // The Node SDK sends `IdentityBased`, the REST spec and C# `identityBased`.
  const text = typeof value === 'string' ? value.toLowerCase() : '';
  if (text === 'keybased') return 'keyBased';
  if (text === 'identitybased') return 'identityBased';
  throw new RegistryJobRequestError('storageAuthenticationType', 'must be keyBased or identityBased.');
}

function userAssignedIdentity(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw new RegistryJobRequestError('identity', 'must be an object.');
  const id = value.userAssignedIdentity;
  if (id === undefined || id === null) return undefined;
  if (typeof id !== 'string' || id === '') {
    throw new RegistryJobRequestError('identity.userAssignedIdentity', 'must be a resource id.');
  }
  return id;
}

/**
 * Validates a `POST /jobs/create` body (IoT Hub's JobProperties) of an `export` or `import` job. Other job types
 * of IoT Hub's enum are refused: twin and method jobs are created with `PUT /jobs/v2/{id}`.
 */
export function parseRegistryJobRequest(body: unknown): RegistryJobRequest {
  if (!isObject(body)) throw new RegistryJobRequestError('body', 'must be a JSON object (JobProperties).');
  const type = typeof body.type === 'string' ? body.type.toLowerCase() : body.type;
  if (type !== 'export' && type !== 'import') {
    throw new RegistryJobRequestError(
      'type',
      `must be 'export' or 'import' (twin and method jobs use PUT /jobs/v2/{jobId}), got ${JSON.stringify(body.type)}.`,
    );
  }
  if (body.excludeKeysInExport !== undefined && typeof body.excludeKeysInExport !== 'boolean') {
    throw new RegistryJobRequestError('excludeKeysInExport', 'must be true or false.');
  }
  if (body.includeConfigurations === true) {
    throw new RegistryJobRequestError(
      'includeConfigurations',
      'is not supported: this service keeps no automatic device configurations.',
    );
  }
  const request: RegistryJobRequest = {
    type,
    inputBlobName: blobName(body.inputBlobName, 'inputBlobName'),
    outputBlobContainerUri: containerUri(body.outputBlobContainerUri, 'outputBlobContainerUri'),
    outputBlobName: blobName(body.outputBlobName, 'outputBlobName'),
    excludeKeysInExport: body.excludeKeysInExport === true,
    storageAuthenticationType: authenticationType(body.storageAuthenticationType),
  };
  if (type === 'import') {
    request.inputBlobContainerUri = containerUri(body.inputBlobContainerUri, 'inputBlobContainerUri');
  }
  const identity = userAssignedIdentity(body.identity);
  if (identity) request.userAssignedIdentity = identity;
  return request;
}
