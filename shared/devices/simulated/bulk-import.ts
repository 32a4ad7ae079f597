import { ConcurrencyConflictError, isPlainObject, retryOnConflict } from '../../iothub-rules';
import {
  DeviceAlreadyExistsError,
  DeviceNotFoundError,
  PreconditionFailedError,
  wireErrorOf,
} from '../../http';
import { deviceEtag, versionEtag } from '../../iothub-rules';
import { inParallel } from '../../support/in-parallel';
import type { DeviceRecord } from '../device-model';
import { type StoredDevice } from '../ports';
import { withIdentity, withTwinChange, type TwinChange } from './device-records';
import type { EmbeddedRegistry } from './embedded-registry';
import { readIdentityInput, readTwinBody } from './registry-bodies';
import { ownScopeGeneration } from './edge-scopes';
import {
  ImportLineSchema,
  importLineStatus,
  validIdOf,
  type ImportLine,
} from '../../schemas/registry-entries.schema';
import { parseOrProblem } from '@device-jobs/client/schemas';

/** One line of `importErrors.log`, as IoT Hub writes it. */
export interface ImportErrorLine {
  deviceId?: string;
  errorCode: number;
  errorStatus: string;
}

/** IoT Hub's six-digit codes of the errors an import line can meet. */
const ARGUMENT_INVALID = 400004;
const NUMERIC_CODES: Record<string, number> = {
  ArgumentInvalid: ARGUMENT_INVALID,
  DeviceNotFound: 404001,
  DeviceAlreadyExists: 409001,
  PreconditionFailed: 412001,
};
export const DESERIALIZATION_ERROR = 400012;

/** The code of an import line's problem, by the field at fault (the rest are IoT Hub's deserialization error). */
const LINE_PROBLEM_CODES: Record<string, number> = {
  moduleId: ARGUMENT_INVALID,
  eTag: ARGUMENT_INVALID,
  twinETag: ARGUMENT_INVALID,
};

/** A numbered line of the input blob. */
export interface InputLine {
  number: number;
  text: string;
}

/** A numbered import line, read. */
type ParsedLine = ImportLine & { number: number };

class LineError extends Error {
  constructor(readonly errorLine: ImportErrorLine) {
    super(errorLine.errorStatus);
  }
}

function parseLine(line: InputLine): ParsedLine {
  let body: unknown;
  try {
    body = JSON.parse(line.text) as unknown;
  } catch (error: unknown) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new LineError({
      errorCode: DESERIALIZATION_ERROR,
      errorStatus: `Invalid device format in line ${line.number}: ${line.text.slice(0, 200)}. ${reason}`,
    });
  }
  const parsed = parseOrProblem(ImportLineSchema, body, '');
  if ('value' in parsed) return { ...parsed.value, number: line.number };
  const { problem } = parsed;
  const deviceId = validIdOf(body);
  throw new LineError({
    ...(deviceId === undefined ? {} : { deviceId }),
    errorCode: LINE_PROBLEM_CODES[problem.field] ?? DESERIALIZATION_ERROR,
    errorStatus: importLineStatus(problem, line.number),
  });
}

function errorLineOf(deviceId: string, error: unknown): ImportErrorLine {
  if (error instanceof LineError) return error.errorLine;
  const wire = wireErrorOf(error);
  // A service failure (storage unreachable…) is no outcome of this line: the step fails and is retried.
  if (!wire || wire.status >= 500) throw error;
  return { deviceId, errorCode: NUMERIC_CODES[wire.code] ?? wire.status * 1000, errorStatus: wire.message };
}

/** The twin a line writes: the sections it names replace the device's, the others stay. */
function twinOf(body: Record<string, unknown>): TwinChange {
  const properties = isPlainObject(body.properties) ? body.properties : undefined;
  // Reported properties belong to the device: an import carries them in exports but never writes them.
  const writable = { tags: body.tags, properties: properties ? { desired: properties.desired } : undefined };
  return readTwinBody(writable, false);
}

function replaceTwin(record: DeviceRecord, change: TwinChange, registry: EmbeddedRegistry): DeviceRecord {
  if (!change.tags && !change.desired) return record;
  const full = { tags: change.tags ?? record.tags, desired: change.desired ?? record.desired.values };
  return withTwinChange(record, full, 'replace', registry.context());
}

/** Keys a key-less export left null stay what the device has (a new pair would lock its devices out). */
function identityBody(
  body: Record<string, unknown>,
  existing: DeviceRecord | undefined,
): Record<string, unknown> {
  const auth = isPlainObject(body.authentication) ? body.authentication : undefined;
  const keys = auth && isPlainObject(auth.symmetricKey) ? auth.symmetricKey : undefined;
  const stored = existing?.authentication.symmetricKey;
  if (!stored || (auth && auth.type !== undefined && auth.type !== 'sas')) return body;
  if (keys && keys.primaryKey && keys.secondaryKey) return body;
  return {
    ...body,
    authentication: {
      ...(auth ?? {}),
      type: 'sas',
      symmetricKey: {
        primaryKey: keys?.primaryKey || stored.primaryKey,
        secondaryKey: keys?.secondaryKey || stored.secondaryKey,
      },
    },
  };
}

/**
 * A device an import creates. An edge device whose line carries its own scope (an export of this or another
 * registry) keeps that scope's generation id, so the leaf devices and child edges naming it stay its children.
 * Scopes are not checked against their owners here: an owner may come later in the file.
 */
function newImportedRecord(registry: EmbeddedRegistry, line: ParsedLine): DeviceRecord {
  const record = registry.newRecord(line.deviceId, readIdentityInput(line.body), twinOf(line.body));
  const ownScope = typeof line.body.deviceScope === 'string' ? line.body.deviceScope : undefined;
  const generationId = ownScope === undefined ? undefined : ownScopeGeneration(record, ownScope);
  return generationId ? { ...record, generationId, deviceScope: ownScope } : record;
}

const MAX_TRIES = 5;

/**
 * Applies one import line through the registry's write path (twin index kept), re-run when the device changed
 * meanwhile. `mark` (`<jobId>:<line>`) is written into the device; on a `retry` (the step that applied this line
 * may have died before recording it) a device already carrying the mark, or already gone for a delete, counts as
 * done, so no line is applied twice.
 */
async function applyLine(
  registry: EmbeddedRegistry,
  line: ParsedLine,
  mark: string,
  retry: boolean,
): Promise<void> {
  const { deviceId, eTag: etag, twinETag: twinEtag } = line;
  try {
    await retryOnConflict(
      async () => {
        const found = await registry.repository.get(deviceId);
        const stored: StoredDevice | undefined = found && {
          ...found,
          record: registry.current(found.record),
        };
        if (retry && stored?.record.importedBy === mark) return;
        await applyTo(registry, line, stored, { etag, twinEtag, mark, retry });
      },
      { maxAttempts: MAX_TRIES },
    );
  } catch (error: unknown) {
    if (error instanceof ConcurrencyConflictError)
      throw new Error(`Device ${deviceId} kept changing during the import.`);
    throw error;
  }
}

async function applyTo(
  registry: EmbeddedRegistry,
  line: ParsedLine,
  stored: StoredDevice | undefined,
  options: { etag: string | undefined; twinEtag: string | undefined; mark: string; retry: boolean },
): Promise<void> {
  const { deviceId, mode, body } = line;
  const { repository } = registry;
  const marked = (record: DeviceRecord): DeviceRecord => ({ ...record, importedBy: options.mark });
  const checkEtag = (record: DeviceRecord) => {
    if (
      mode.endsWith('IfMatchETag') &&
      !mode.startsWith('updateTwin') &&
      options.etag !== deviceEtag(record)
    ) {
      throw new PreconditionFailedError(`Device ${deviceId}: eTag ${options.etag ?? ''} does not match.`);
    }
    if (
      options.twinEtag !== undefined &&
      options.twinEtag !== versionEtag(record.twinVersion) &&
      (mode.startsWith('updateTwin') ? mode.endsWith('IfMatchETag') : true)
    ) {
      throw new PreconditionFailedError(`Device ${deviceId}: twinETag ${options.twinEtag} does not match.`);
    }
  };
  if (mode === 'delete' || mode === 'deleteIfMatchETag') {
    if (!stored) {
      if (options.retry) return;
      throw new DeviceNotFoundError(deviceId);
    }
    checkEtag(stored.record);
    await repository.delete(deviceId, stored.storageEtag, stored.record);
    return;
  }
  if (!stored) {
    if (mode !== 'create' && mode !== 'createOrUpdate' && mode !== 'createOrUpdateIfMatchETag') {
      throw new DeviceNotFoundError(deviceId);
    }
    await repository.insert(marked(newImportedRecord(registry, line)));
    return;
  }
  if (mode === 'create') throw new DeviceAlreadyExistsError(deviceId);
  checkEtag(stored.record);
  let next = stored.record;
  if (!mode.startsWith('updateTwin')) {
    next = withIdentity(next, readIdentityInput(identityBody(body, stored.record)), registry.now());
  }
  next = marked(replaceTwin(next, twinOf(body), registry));
  await repository.replace(next, stored.storageEtag, stored.record);
}

/**
 * Applies a chunk of `devices.txt` lines and answers the failed ones as `importErrors.log` lines, in line order.
 * Lines that create devices go in batch transactions unless the chunk is a `retry`; the others device by device,
 * several at a time. A bad line fails that line only; a storage failure rejects (the step is retried).
 */
export async function applyImportLines(
  registry: EmbeddedRegistry,
  lines: readonly InputLine[],
  options: { jobId: string; retry: boolean; parallelism?: number },
): Promise<ImportErrorLine[]> {
  const errors = new Map<number, ImportErrorLine>();
  const parsed: ParsedLine[] = [];
  for (const line of lines) {
    try {
      parsed.push(parseLine(line));
    } catch (error: unknown) {
      errors.set(line.number, errorLineOf('', error));
    }
  }
  const markOf = (line: ParsedLine) => `${options.jobId}:${line.number}`;
  const seen = new Set<string>();
  const batched: { line: ParsedLine; record: DeviceRecord }[] = [];
  const single: ParsedLine[] = [];
  for (const line of parsed) {
    // A device twice in one chunk: its lines run in order, one by one.
    const repeated = seen.has(line.deviceId);
    seen.add(line.deviceId);
    if (options.retry || repeated || line.mode !== 'create') {
      single.push(line);
      continue;
    }
    try {
      const record = newImportedRecord(registry, line);
      batched.push({ line, record: { ...record, importedBy: markOf(line) } });
    } catch (error: unknown) {
      errors.set(line.number, errorLineOf(line.deviceId, error));
    }
  }
  const outcomes = await registry.repository.insertMany(batched.map((entry) => entry.record));
  outcomes.forEach((outcome, index) => {
    const entry = batched[index];
    if (!entry || outcome.ok) return;
    if (!(outcome.error instanceof ConcurrencyConflictError)) throw outcome.error;
    errors.set(
      entry.line.number,
      errorLineOf(entry.line.deviceId, new DeviceAlreadyExistsError(entry.line.deviceId)),
    );
  });
  const byDevice = new Map<string, ParsedLine[]>();
  for (const line of single) byDevice.set(line.deviceId, [...(byDevice.get(line.deviceId) ?? []), line]);
  await inParallel([...byDevice.values()], options.parallelism ?? 32, async (deviceLines) => {
    for (const line of deviceLines) {
      try {
        await applyLine(registry, line, markOf(line), options.retry);
      } catch (error: unknown) {
        errors.set(line.number, errorLineOf(line.deviceId, error));
      }
    }
  });
  return [...errors.entries()].sort(([a], [b]) => a - b).map(([, error]) => error);
}
