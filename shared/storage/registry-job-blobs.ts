import {
  AnonymousCredential,
  ContainerClient,
  StorageSharedKeyCredential,
  type StoragePipelineOptions,
} from '@azure/storage-blob';
import { BlobContainerValidationError } from '../registry-jobs/registry-job-errors';
import type { BlobContainer, BlobContainers } from '../registry-jobs/ports';
import { withoutSas, type StorageAuthenticationType } from '../registry-jobs/registry-job-model';
import { storageCredential } from './storage-clients';
import type { StorageSettings } from './storage-settings';
import { statusCodeOf } from './table-support';

const PIPELINE: StoragePipelineOptions = { retryOptions: { maxTries: 4 } };

/** AccountName and AccountKey of a connection string (Azurite's development account offline). */
function sharedKeyOf(connectionString: string): StorageSharedKeyCredential | undefined {
  const parts = new Map(
    connectionString
      .split(';')
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => {
        const at = part.indexOf('=');
        return [part.slice(0, at).toLowerCase(), part.slice(at + 1)] as const;
      }),
  );
  if (parts.get('usedevelopmentstorage') === 'true') return undefined;
  const name = parts.get('accountname');
  const key = parts.get('accountkey');
  return name && key ? new StorageSharedKeyCredential(name, key) : undefined;
}

function describe(error: unknown): string {
  const status = statusCodeOf(error);
  const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
  const text = (message ?? 'unreachable').replace(/sig=[^&\s"]+/gi, 'sig=…');
  return status ? `HTTP ${status}: ${text}` : text;
}

/**
 * Runs a storage call; a refusal by the storage (4xx but a precondition) is the container's fault and fails the
 * job with a message naming the container without its SAS; anything else (5xx, network) is retried by the step.
 */
async function refusedAsInvalid<T>(uri: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error: unknown) {
    const status = statusCodeOf(error);
    if (
      status !== undefined &&
      status >= 400 &&
      status < 500 &&
      status !== 412 &&
      status !== 408 &&
      status !== 429
    ) {
      throw new BlobContainerValidationError(
        `The container ${withoutSas(uri)} refused the job (${describe(error)}).`,
      );
    }
    throw error;
  }
}

class StorageBlobContainer implements BlobContainer {
  constructor(
    private readonly client: ContainerClient,
    private readonly uri: string,
  ) {}

  async blobProperties(blob: string): Promise<{ size: number; etag: string } | undefined> {
    return refusedAsInvalid(this.uri, async () => {
      try {
        const properties = await this.client.getBlobClient(blob).getProperties();
        return { size: properties.contentLength ?? 0, etag: properties.etag ?? '' };
      } catch (error: unknown) {
        if (statusCodeOf(error) === 404) return undefined;
        throw error;
      }
    });
  }

  async read(blob: string, offset: number, count: number): Promise<Buffer> {
    return refusedAsInvalid(this.uri, () => this.client.getBlobClient(blob).downloadToBuffer(offset, count));
  }

  async stageBlock(blob: string, blockId: string, data: Buffer): Promise<void> {
    await refusedAsInvalid(this.uri, () =>
      this.client.getBlockBlobClient(blob).stageBlock(blockId, data, data.length),
    );
  }

  async commitBlocks(blob: string, blockIds: readonly string[]): Promise<void> {
    await refusedAsInvalid(this.uri, () =>
      this.client.getBlockBlobClient(blob).commitBlockList([...blockIds], {
        blobHTTPHeaders: { blobContentType: 'text/plain; charset=utf-8' },
      }),
    );
  }

  async createAppendBlob(blob: string): Promise<void> {
    await refusedAsInvalid(this.uri, () =>
      this.client.getAppendBlobClient(blob).create({
        blobHTTPHeaders: { blobContentType: 'text/plain; charset=utf-8' },
      }),
    );
  }

  async append(blob: string, data: Buffer, position: number): Promise<void> {
    await refusedAsInvalid(this.uri, () =>
      this.client
        .getAppendBlobClient(blob)
        .appendBlock(data, data.length, { conditions: { appendPosition: position } }),
    );
  }
}

/**
 * Blob containers on `@azure/storage-blob`: `keyBased` URIs carry their SAS; `identityBased` ones are reached with
 * the app's own storage identity — the account key of AzureWebJobsStorage's connection string (Azurite offline),
 * or its managed identity in Azure.
 */
export function storageBlobContainers(storage: StorageSettings): BlobContainers {
  return {
    open(uri: string, authentication: StorageAuthenticationType): BlobContainer {
      if (authentication === 'keyBased') {
        return new StorageBlobContainer(new ContainerClient(uri, new AnonymousCredential(), PIPELINE), uri);
      }
      const credential =
        storage.kind === 'connectionString'
          ? (sharedKeyOf(storage.connectionString) ?? new AnonymousCredential())
          : storageCredential(storage);
      return new StorageBlobContainer(new ContainerClient(uri, credential, PIPELINE), uri);
    },
  };
}
