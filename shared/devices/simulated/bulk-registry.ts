import { ConcurrencyConflictError, isPlainObject } from '../../iothub-rules';
import { ArgumentInvalidError, wireErrorOf } from '../../http';
import { inParallel } from '../../support/in-parallel';
import type { DeviceRecord } from '../device-model';
import type { EmbeddedRegistry } from './embedded-registry';
import { readIdentityInput, readTwinBody, validateDeviceId } from './registry-bodies';
import type { IfMatch } from '../../iothub-rules';

/** Bulk registry calls accept this many entries (IoT Hub: 100), so large fleets are created quickly. */
export const MAX_BULK_DEVICES = 5000;

/** One entry's failure, as IoT Hub reports it in `BulkRegistryOperationResult.errors`. */
export interface BulkOperationError {
  deviceId: string;
  errorCode: string;
  errorStatus: string;
}

/** What `POST /devices` answers (the SDK's `BulkRegistryOperationResult`). */
export interface BulkOperationResult {
  isSuccessful: boolean;
  errors: BulkOperationError[];
  warnings: BulkOperationError[];
}

type ImportMode =
  'create' | 'update' | 'updateIfMatchETag' | 'createOrUpdate' | 'delete' | 'deleteIfMatchETag';
const IMPORT_MODES: readonly ImportMode[] = [
  'create',
  'update',
  'updateIfMatchETag',
  'createOrUpdate',
  'delete',
  'deleteIfMatchETag',
];

interface BulkEntry {
  deviceId: string;
  mode: ImportMode;
  etag: string | undefined;
  body: Record<string, unknown>;
}

function readEntries(body: unknown): BulkEntry[] {
  if (!Array.isArray(body))
    throw new ArgumentInvalidError('The body of a bulk registry operation must be an array.');
  if (body.length === 0 || body.length > MAX_BULK_DEVICES) {
    throw new ArgumentInvalidError(
      `A bulk registry operation takes 1 to ${MAX_BULK_DEVICES} devices, got ${body.length}.`,
    );
  }
  const seen = new Set<string>();
  return body.map((entry: unknown, index) => {
    if (!isPlainObject(entry)) throw new ArgumentInvalidError(`Entry ${index} is not an object.`);
    const deviceId = validateDeviceId(entry.id ?? entry.deviceId, `Entry ${index}: id`);
    if (seen.has(deviceId))
      throw new ArgumentInvalidError(`Device ${deviceId} appears twice in the request.`);
    seen.add(deviceId);
    const rawMode = typeof entry.importMode === 'string' ? entry.importMode.toLowerCase() : '';
    const mode = IMPORT_MODES.find((m) => m.toLowerCase() === rawMode);
    if (!mode) {
      throw new ArgumentInvalidError(`Entry ${index}: importMode must be one of ${IMPORT_MODES.join(', ')}.`);
    }
    const etag =
      typeof entry.eTag === 'string' ? entry.eTag : typeof entry.etag === 'string' ? entry.etag : undefined;
    if (mode.endsWith('IfMatchETag') && !etag) {
      throw new ArgumentInvalidError(`Entry ${index}: importMode ${mode} needs an eTag.`);
    }
    return { deviceId, mode, etag, body: entry };
  });
}

function toError(deviceId: string, error: unknown): BulkOperationError {
  const wire = wireErrorOf(error);
  // A service failure (storage unreachable…) is no outcome of this device: the whole request answers it.
  if (!wire || wire.status >= 500) throw error;
  return { deviceId, errorCode: wire.code, errorStatus: wire.message };
}

/**
 * `POST /devices`: the SDK's addDevices / updateDevices / removeDevices (`importMode` per entry), with the
 * extension fields `tags`, `properties.desired` and `simulation` per entry. Creates run as Table batch
 * transactions; the other modes device by device, several at a time. Entries are validated up front (a bad
 * entry fails the whole request with 400); storage outcomes are reported per device.
 */
export async function runBulkOperation(
  registry: EmbeddedRegistry,
  body: unknown,
): Promise<BulkOperationResult> {
  const entries = readEntries(body);
  const errors: BulkOperationError[] = [];
  const creates: DeviceRecord[] = [];
  const others: BulkEntry[] = [];
  for (const entry of entries) {
    if (entry.mode === 'create') {
      const record = registry.newRecord(
        entry.deviceId,
        readIdentityInput(entry.body),
        readTwinBody(entry.body, false),
      );
      try {
        await registry.checkScopes(record);
      } catch (error: unknown) {
        errors.push(toError(entry.deviceId, error));
        continue;
      }
      creates.push(record);
    } else {
      if (!entry.mode.startsWith('delete')) readIdentityInput(entry.body);
      others.push(entry);
    }
  }
  for (const outcome of await registry.repository.insertMany(creates)) {
    if (outcome.ok) continue;
    if (outcome.error instanceof ConcurrencyConflictError) {
      errors.push({
        deviceId: outcome.deviceId,
        errorCode: 'DeviceAlreadyExists',
        errorStatus: `A device with ID '${outcome.deviceId}' is already registered.`,
      });
    } else {
      throw outcome.error;
    }
  }
  await inParallel(others, 16, async (entry) => {
    try {
      await applyEntry(registry, entry);
    } catch (error: unknown) {
      errors.push(toError(entry.deviceId, error));
    }
  });
  return { isSuccessful: errors.length === 0, errors, warnings: [] };
}

async function applyEntry(registry: EmbeddedRegistry, entry: BulkEntry): Promise<void> {
  const ifMatch: IfMatch =
    entry.etag && entry.mode.endsWith('IfMatchETag') ? { kind: 'etag', etag: entry.etag } : { kind: 'any' };
  if (entry.mode === 'delete' || entry.mode === 'deleteIfMatchETag') {
    await registry.deleteDevice(entry.deviceId, ifMatch);
    return;
  }
  const twin = readTwinBody(entry.body, false);
  if (entry.mode === 'createOrUpdate') {
    try {
      await registry.putDevice(entry.deviceId, withoutExtensions(entry.body), { kind: 'none' });
    } catch (error: unknown) {
      if (wireErrorOf(error)?.code !== 'DeviceAlreadyExists') throw error;
      await registry.putDevice(entry.deviceId, withoutExtensions(entry.body), { kind: 'any' });
    }
  } else {
    await registry.putDevice(entry.deviceId, withoutExtensions(entry.body), ifMatch);
  }
  if (twin.tags || twin.desired) await registry.updateTwin(entry.deviceId, twin, 'patch', undefined);
}

function withoutExtensions(body: Record<string, unknown>): Record<string, unknown> {
  const { id, importMode, eTag, etag, tags, properties, twinETag, ...identity } = body;
  void [id, importMode, eTag, etag, tags, properties, twinETag];
  return identity;
}
