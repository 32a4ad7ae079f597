import type { RegistryJobRecord, StorageAuthenticationType } from './registry-job-model';

/** A stored job with the storage etag it was read at. */
export interface StoredRegistryJob {
  job: RegistryJobRecord;
  etag: string;
}

/** Where import/export jobs are kept (Table Storage in `shared/storage`). */
export interface RegistryJobRepository {
  insert(job: RegistryJobRecord): Promise<void>;
  get(jobId: string): Promise<StoredRegistryJob | undefined>;
  /** Every job, newest first. */
  list(): Promise<RegistryJobRecord[]>;
  /** Replaces a job read at `etag`, answering the new etag; `ConcurrencyConflictError` if it changed. */
  replace(job: RegistryJobRecord, etag: string): Promise<string>;
  /** Deletes a job's row; a missing one is not an error. */
  delete(jobId: string): Promise<void>;
}

/** One blob container a job reads or writes (Blob Storage in `shared/storage`). */
export interface BlobContainer {
  /** Size and etag of a blob, or undefined when it does not exist. */
  blobProperties(blob: string): Promise<{ size: number; etag: string } | undefined>;
  /** `count` bytes of a blob from `offset` (fewer at its end). */
  read(blob: string, offset: number, count: number): Promise<Buffer>;
  /** Stages a block of a block blob (staging the same id again replaces it). */
  stageBlock(blob: string, blockId: string, data: Buffer): Promise<void>;
  /** Commits the blocks, in order, as the blob's content. */
  commitBlocks(blob: string, blockIds: readonly string[]): Promise<void>;
  /** Creates an empty append blob, replacing any blob of that name. */
  createAppendBlob(blob: string): Promise<void>;
  /** Appends at `position` (the length the caller expects): a blob of another length refuses it. */
  append(blob: string, data: Buffer, position: number): Promise<void>;
}

/**
 * Opens containers by URI with the job's authentication. Operations the storage refuses (a missing container, a
 * SAS without the permission, an expired SAS) reject with `BlobContainerValidationError`, which fails the job.
 */
export interface BlobContainers {
  open(uri: string, authentication: StorageAuthenticationType): BlobContainer;
}
