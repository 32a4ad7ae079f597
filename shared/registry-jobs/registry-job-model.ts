import type * as Wire from '@device-jobs/client/contract';

// The wire shapes are the contract's (@device-jobs/client), taken as types only.
export type {
  RegistryJobResponse,
  RegistryJobStatus,
  RegistryJobType,
  StorageAuthenticationType,
} from '@device-jobs/client/contract';

export const TERMINAL_REGISTRY_JOB_STATUSES: readonly Wire.RegistryJobStatus[] = [
  'completed',
  'failed',
  'cancelled',
];

/** A validated `POST /jobs/create` body. */
export type { RegistryJobRequest } from '../schemas/registry-job-request.schema';
import type { RegistryJobRequest } from '../schemas/registry-job-request.schema';

/** Where an export stands: the devices written so far, as staged blocks of the output blob. */
export interface ExportCursor {
  kind: 'export';
  /** The registry scan position after the last exported device; absent before the first. */
  after?: { partitionKey: string; rowKey: string };
  /** Blocks staged so far; block `i` has the id derived from the job id and `i`. */
  blocks: number;
  devices: number;
}

/** Where an import stands: the input bytes applied so far and the error log's length after them. */
export interface ImportCursor {
  kind: 'import';
  /** Byte offset of the next line to read. */
  offset: number;
  /** Number of the next line (1-based), for markers and error texts. */
  line: number;
  /** Length of `importErrors.log` once every line before `offset` has been reported. */
  errorsLength: number;
  succeeded: number;
  failed: number;
  /** The input blob's size and etag when the job started (a changed input fails the job). */
  inputSize: number;
  inputEtag: string;
  /** True while a chunk is being applied: a step that finds it set re-runs that chunk as a retry. */
  inFlight: boolean;
}

export type RegistryJobCursor = ExportCursor | ImportCursor;

/** An import or export job as stored. */
export interface RegistryJobRecord extends RegistryJobRequest {
  jobId: string;
  status: Wire.RegistryJobStatus;
  /** Percent complete (0–100). */
  progress: number;
  createdTime: string;
  startTimeUtc?: string;
  endTimeUtc?: string;
  failureReason?: string;
  statusMessage?: string;
  cursor?: RegistryJobCursor;
}

/** A container URI without its query (the SAS): answers never hand a SAS to a mere reader. */
export function withoutSas(uri: string): string {
  const at = uri.indexOf('?');
  return at < 0 ? uri : uri.slice(0, at);
}

export function toRegistryJobResponse(job: RegistryJobRecord): Wire.RegistryJobResponse {
  const response: Wire.RegistryJobResponse = {
    jobId: job.jobId,
    type: job.type,
    status: job.status,
    progress: job.progress,
    outputBlobContainerUri: withoutSas(job.outputBlobContainerUri),
    storageAuthenticationType: job.storageAuthenticationType,
    deviceCount: 0,
  };
  if (job.startTimeUtc) response.startTimeUtc = job.startTimeUtc;
  if (job.endTimeUtc) response.endTimeUtc = job.endTimeUtc;
  if (job.type === 'import') {
    response.inputBlobContainerUri = withoutSas(job.inputBlobContainerUri ?? '');
    response.inputBlobName = job.inputBlobName;
  } else {
    response.outputBlobName = job.outputBlobName;
    response.excludeKeysInExport = job.excludeKeysInExport;
  }
  if (job.userAssignedIdentity) response.identity = { userAssignedIdentity: job.userAssignedIdentity };
  if (job.failureReason !== undefined) response.failureReason = job.failureReason;
  if (job.statusMessage !== undefined) response.statusMessage = job.statusMessage;
  const cursor = job.cursor;
  if (cursor?.kind === 'export') response.deviceCount = cursor.devices;
  if (cursor?.kind === 'import') {
    response.deviceCount = cursor.succeeded + cursor.failed;
    response.failedCount = cursor.failed;
  }
  return response;
}

export function isTerminalRegistryJob(status: Wire.RegistryJobStatus): boolean {
  return TERMINAL_REGISTRY_JOB_STATUSES.includes(status);
}
