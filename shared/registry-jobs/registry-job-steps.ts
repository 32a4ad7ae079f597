import { BlobContainerValidationError } from './registry-job-errors';
import { ConcurrencyConflictError } from '../iothub-rules';
import type { ExportCursor, ImportCursor, RegistryJobRecord } from './registry-job-model';
import { isTerminalRegistryJob } from './registry-job-model';
import { IMPORT_ERRORS_BLOB } from './registry-job-request';
import type { BlobContainer, BlobContainers, RegistryJobRepository, StoredRegistryJob } from './ports';

/** A position in the registry's scan order. */
export interface ExportPosition {
  partitionKey: string;
  rowKey: string;
}

/** The registry as an export reads it: pages of `devices.txt` lines in a stable order. */
export interface RegistryExportSource {
  page(
    after: ExportPosition | undefined,
    limit: number,
    excludeKeys: boolean,
  ): Promise<{ lines: string[]; last: ExportPosition | undefined }>;
  /** The share of the registry before `position` (0–1), for `progress`. */
  fractionBefore(position: ExportPosition): number;
}

/** A line of `importErrors.log`. */
export interface ImportErrorEntry {
  deviceId?: string;
  errorCode: number;
  errorStatus: string;
}

/** The registry as an import writes it: a chunk of numbered lines, answered with the failed ones. */
export interface RegistryImportTarget {
  apply(
    lines: readonly { number: number; text: string }[],
    options: { jobId: string; retry: boolean },
  ): Promise<ImportErrorEntry[]>;
}

export interface RegistryJobStepDependencies {
  jobs: RegistryJobRepository;
  containers: BlobContainers;
  exportSource: RegistryExportSource;
  importTarget: RegistryImportTarget;
  now: () => number;
  /** Devices per export block and lines per import chunk (default 1,000). */
  chunkSize?: number;
}

/** What a step answers the orchestration: whether the job has ended. */
export interface RegistryJobStepResult {
  done: boolean;
  status: RegistryJobRecord['status'];
}

const DEFAULT_CHUNK = 1000;
/** Bytes read from the input blob at a time. */
const IMPORT_READ_BYTES = 1024 * 1024;
/** A chunk holds the lines that end within this many bytes of its start (so memory stays bounded); a longer line fails the job. */
export const IMPORT_WINDOW_BYTES = 8 * 1024 * 1024;

/** Block ids of one export: the job id (a GUID, so every id has the same length) and the block's index. */
export function exportBlockId(jobId: string, index: number): string {
  return Buffer.from(`${jobId}:${String(index).padStart(7, '0')}`).toString('base64');
}

/** The job as a step keeps it: re-read when a write meets a concurrent change (a cancel). */
class JobHandle {
  constructor(
    private readonly deps: RegistryJobStepDependencies,
    public stored: StoredRegistryJob,
  ) {}

  get job(): RegistryJobRecord {
    return this.stored.job;
  }

  /**
   * A job cancelled while a chunk was applied still records that chunk (its lines are applied), so its counts
   * say exactly what the import did.
   */
  private async keepCounts(
    fresh: StoredRegistryJob,
    change: Partial<RegistryJobRecord>,
  ): Promise<StoredRegistryJob> {
    if (fresh.job.status !== 'cancelled' || !change.cursor) return fresh;
    const job = { ...fresh.job, cursor: change.cursor, progress: change.progress ?? fresh.job.progress };
    try {
      return { job, etag: await this.deps.jobs.replace(job, fresh.etag) };
    } catch (error: unknown) {
      if (error instanceof ConcurrencyConflictError) return fresh;
      throw error;
    }
  }

  /** Writes the job with `change`; false when it was cancelled (or ended) meanwhile. */
  async save(change: Partial<RegistryJobRecord>): Promise<boolean> {
    const next = { ...this.stored.job, ...change };
    try {
      const etag = await this.deps.jobs.replace(next, this.stored.etag);
      this.stored = { job: next, etag };
      return true;
    } catch (error: unknown) {
      if (!(error instanceof ConcurrencyConflictError)) throw error;
      const fresh = await this.deps.jobs.get(this.job.jobId);
      if (!fresh || isTerminalRegistryJob(fresh.job.status)) {
        if (fresh) this.stored = await this.keepCounts(fresh, change);
        return false;
      }
      // Another step of the same job wrote first (an activity run twice): leave the job to it, no retry.
      throw error;
    }
  }
}

const isoOf = (ms: number) => new Date(ms).toISOString();

/**
 * One time-bounded step of an import or export job: it starts the job if it is enqueued, moves it forward until
 * `until` (epoch ms) and records where it stopped after every chunk, so a step killed at any point is re-run
 * without duplicate lines or double imports. Answers `done` once the job has ended (a cancel included).
 */
export async function runRegistryJobStep(
  deps: RegistryJobStepDependencies,
  jobId: string,
  until: number,
  failureReason?: string,
): Promise<RegistryJobStepResult> {
  const stored = await deps.jobs.get(jobId);
  if (!stored) return { done: true, status: 'failed' };
  const handle = new JobHandle(deps, stored);
  if (isTerminalRegistryJob(handle.job.status)) return { done: true, status: handle.job.status };
  if (failureReason !== undefined) {
    await handle.save({ status: 'failed', failureReason, endTimeUtc: isoOf(deps.now()) });
    return { done: true, status: handle.job.status };
  }
  if (handle.job.status === 'enqueued') {
    if (!(await handle.save({ status: 'running', startTimeUtc: isoOf(deps.now()) }))) {
      return { done: true, status: handle.job.status };
    }
  }
  let finished: boolean;
  try {
    finished =
      handle.job.type === 'export'
        ? await exportStep(deps, handle, until)
        : await importStep(deps, handle, until);
  } catch (error: unknown) {
    if (!(error instanceof BlobContainerValidationError)) throw error;
    finished = await fail(deps, handle, error.message);
  }
  return { done: finished || isTerminalRegistryJob(handle.job.status), status: handle.job.status };
}

async function fail(deps: RegistryJobStepDependencies, handle: JobHandle, reason: string): Promise<boolean> {
  await handle.save({ status: 'failed', failureReason: reason, endTimeUtc: isoOf(deps.now()) });
  return true;
}

async function complete(
  deps: RegistryJobStepDependencies,
  handle: JobHandle,
  statusMessage: string,
  cursor: ExportCursor | ImportCursor,
): Promise<boolean> {
  await handle.save({
    status: 'completed',
    progress: 100,
    cursor,
    statusMessage,
    endTimeUtc: isoOf(deps.now()),
  });
  return true;
}

async function exportStep(
  deps: RegistryJobStepDependencies,
  handle: JobHandle,
  until: number,
): Promise<boolean> {
  const { job } = handle;
  const container = deps.containers.open(job.outputBlobContainerUri, job.storageAuthenticationType);
  let cursor: ExportCursor =
    job.cursor?.kind === 'export' ? job.cursor : { kind: 'export', blocks: 0, devices: 0 };
  const chunk = deps.chunkSize ?? DEFAULT_CHUNK;
  while (deps.now() < until) {
    const page = await deps.exportSource.page(cursor.after, chunk, job.excludeKeysInExport);
    if (page.lines.length > 0) {
      const data = Buffer.from(`${page.lines.join('\n')}\n`, 'utf8');
      await container.stageBlock(job.outputBlobName, exportBlockId(job.jobId, cursor.blocks), data);
      cursor = { ...cursor, blocks: cursor.blocks + 1, devices: cursor.devices + page.lines.length };
      if (page.last) cursor.after = page.last;
    }
    if (page.lines.length < chunk) {
      const ids = Array.from({ length: cursor.blocks }, (_, index) => exportBlockId(job.jobId, index));
      await container.commitBlocks(job.outputBlobName, ids);
      return complete(deps, handle, `Exported ${cursor.devices} devices to ${job.outputBlobName}.`, cursor);
    }
    const progress = Math.min(
      99,
      Math.floor(100 * deps.exportSource.fractionBefore(cursor.after ?? { partitionKey: '', rowKey: '' })),
    );
    const saved = await handle.save({
      cursor,
      progress,
      statusMessage: `Exported ${cursor.devices} devices.`,
    });
    if (!saved) return true;
  }
  return false;
}

/**
 * Reads the input blob forward, keeping what it read: the window at an offset is the bytes from there up to the
 * end of its `lines`-th line (or the blob's end, or {@link IMPORT_WINDOW_BYTES}), whatever was read before, so a
 * chunk depends on its offset alone and a re-run step cuts the same chunk.
 */
class InputReader {
  private start = 0;
  private buffer = Buffer.alloc(0);

  constructor(
    private readonly container: BlobContainer,
    private readonly blob: string,
    private readonly size: number,
  ) {}

  async window(offset: number, lines: number): Promise<{ bytes: Buffer; atEnd: boolean }> {
    if (offset < this.start || offset > this.start + this.buffer.length) {
      this.start = offset;
      this.buffer = Buffer.alloc(0);
    }
    this.buffer = this.buffer.subarray(offset - this.start);
    this.start = offset;
    const limit = Math.min(this.size - offset, IMPORT_WINDOW_BYTES);
    while (this.buffer.length < limit && countLines(this.buffer, lines) < lines) {
      const from = this.start + this.buffer.length;
      const more = await this.container.read(this.blob, from, Math.min(IMPORT_READ_BYTES, this.size - from));
      if (more.length === 0) break;
      this.buffer = Buffer.concat([this.buffer, more]);
    }
    const bytes = this.buffer.subarray(0, limit);
    return { bytes, atEnd: offset + bytes.length >= this.size };
  }
}

function countLines(buffer: Buffer, atMost: number): number {
  let found = 0;
  for (let at = buffer.indexOf(0x0a); at >= 0 && found < atMost; at = buffer.indexOf(0x0a, at + 1))
    found += 1;
  return found;
}

/** The lines of a window that form the next chunk: at most `max` whole lines (the last one may end the blob). */
function chunkOf(
  window: Buffer,
  atEnd: boolean,
  max: number,
): { texts: string[]; bytes: number } | undefined {
  const texts: string[] = [];
  let start = 0;
  while (texts.length < max && start < window.length) {
    const newline = window.indexOf(0x0a, start);
    if (newline < 0) {
      if (!atEnd) break;
      texts.push(window.subarray(start).toString('utf8'));
      start = window.length;
      break;
    }
    texts.push(window.subarray(start, newline).toString('utf8'));
    start = newline + 1;
  }
  return start === 0 ? undefined : { texts, bytes: start };
}

async function importStep(
  deps: RegistryJobStepDependencies,
  handle: JobHandle,
  until: number,
): Promise<boolean> {
  const { job } = handle;
  const input = deps.containers.open(job.inputBlobContainerUri ?? '', job.storageAuthenticationType);
  const output = deps.containers.open(job.outputBlobContainerUri, job.storageAuthenticationType);
  let cursor: ImportCursor;
  if (job.cursor?.kind === 'import') {
    cursor = job.cursor;
  } else {
    const properties = await input.blobProperties(job.inputBlobName);
    if (!properties) return fail(deps, handle, `The input container has no blob ${job.inputBlobName}.`);
    await output.createAppendBlob(IMPORT_ERRORS_BLOB);
    cursor = {
      kind: 'import',
      offset: 0,
      line: 1,
      errorsLength: 0,
      succeeded: 0,
      failed: 0,
      inputSize: properties.size,
      inputEtag: properties.etag,
      inFlight: false,
    };
    if (!(await handle.save({ cursor, progress: 0 }))) return true;
  }
  const chunk = deps.chunkSize ?? DEFAULT_CHUNK;
  const reader = new InputReader(input, job.inputBlobName, cursor.inputSize);
  while (deps.now() < until) {
    if (cursor.offset >= cursor.inputSize) {
      const message = `Imported ${cursor.succeeded} of ${cursor.succeeded + cursor.failed} devices; ${cursor.failed} failed (${IMPORT_ERRORS_BLOB}).`;
      return complete(deps, handle, message, cursor);
    }
    const window = await reader.window(cursor.offset, chunk);
    const next = chunkOf(window.bytes, window.atEnd, chunk);
    if (!next) return fail(deps, handle, `Line ${cursor.line} of ${job.inputBlobName} is longer than 8 MB.`);
    const numbered = next.texts
      .map((text, index) => ({ number: cursor.line + index, text: text.replace(/\r$/, '') }))
      .filter((line) => line.text.trim() !== '');
    const retry = cursor.inFlight;
    let failures: number;
    let appended: number;
    const already = retry ? await appendedSince(output, cursor.errorsLength) : undefined;
    if (already) {
      // The step that applied this chunk died after writing its errors, before recording them.
      ({ failures, bytes: appended } = already);
    } else {
      if (!retry && !(await handle.save({ cursor: { ...cursor, inFlight: true } }))) return true;
      const errors = await deps.importTarget.apply(numbered, { jobId: job.jobId, retry });
      failures = errors.length;
      const data = Buffer.from(errors.map((error) => `${JSON.stringify(error)}\n`).join(''), 'utf8');
      if (data.length > 0) await appendOnce(output, data, cursor.errorsLength);
      appended = data.length;
    }
    cursor = {
      ...cursor,
      offset: cursor.offset + next.bytes,
      line: cursor.line + next.texts.length,
      errorsLength: cursor.errorsLength + appended,
      succeeded: cursor.succeeded + numbered.length - failures,
      failed: cursor.failed + failures,
      inFlight: false,
    };
    const progress = Math.min(99, Math.floor((100 * cursor.offset) / Math.max(1, cursor.inputSize)));
    const saved = await handle.save({
      cursor,
      progress,
      statusMessage: `Imported ${cursor.succeeded + cursor.failed} devices; ${cursor.failed} failed.`,
    });
    if (!saved) return true;
  }
  return false;
}

/** Error lines appended past `length` (by a step that died before recording them), if any. */
async function appendedSince(
  output: BlobContainer,
  length: number,
): Promise<{ failures: number; bytes: number } | undefined> {
  const properties = await output.blobProperties(IMPORT_ERRORS_BLOB);
  if (!properties || properties.size <= length) return undefined;
  const tail = await output.read(IMPORT_ERRORS_BLOB, length, properties.size - length);
  return { failures: tail.toString('utf8').split('\n').filter(Boolean).length, bytes: tail.length };
}

/** Appends at `position`; an append the storage refused because it had landed already (a retried request) is done. */
async function appendOnce(output: BlobContainer, data: Buffer, position: number): Promise<void> {
  try {
    await output.append(IMPORT_ERRORS_BLOB, data, position);
  } catch (error: unknown) {
    const properties = await output.blobProperties(IMPORT_ERRORS_BLOB);
    if (properties?.size !== position + data.length) throw error;
  }
}
