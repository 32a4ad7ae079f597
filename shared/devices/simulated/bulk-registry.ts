import { ConcurrencyConflictError } from '../../iothub-rules';
import { parseOrThrow } from '@device-jobs/client/schemas';
import { BulkEntriesSchema, type BulkEntry } from '../../schemas/registry-entries.schema';
import { ArgumentInvalidError, wireErrorOf } from '../../http';
import { inParallel } from '../../support/in-parallel';
import type { DeviceRecord } from '../device-model';
import type { EmbeddedRegistry } from './embedded-registry';
import { readIdentityInput, readTwinBody } from './registry-bodies';
import type { IfMatch } from '../../iothub-rules';

export { MAX_BULK_DEVICES } from '../../schemas/registry-entries.schema';

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

function readEntries(body: unknown): BulkEntry[] {
  return parseOrThrow(BulkEntriesSchema, body, '', ({ reason }) => new ArgumentInvalidError(`${reason}.`));
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
    if (entry.importMode === 'create') {
      const record = registry.newRecord(
        entry.id,
        readIdentityInput(entry.body),
        readTwinBody(entry.body, false),
      );
      try {
        await registry.checkScopes(record);
      } catch (error: unknown) {
        errors.push(toError(entry.id, error));
        continue;
      }
      creates.push(record);
    } else {
      if (!entry.importMode.startsWith('delete')) readIdentityInput(entry.body);
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
      errors.push(toError(entry.id, error));
    }
  });
  return { isSuccessful: errors.length === 0, errors, warnings: [] };
}

async function applyEntry(registry: EmbeddedRegistry, entry: BulkEntry): Promise<void> {
  const ifMatch: IfMatch =
    entry.eTag && entry.importMode.endsWith('IfMatchETag')
      ? { kind: 'etag', etag: entry.eTag }
      : { kind: 'any' };
  if (entry.importMode === 'delete' || entry.importMode === 'deleteIfMatchETag') {
    await registry.deleteDevice(entry.id, ifMatch);
    return;
  }
  const twin = readTwinBody(entry.body, false);
  if (entry.importMode === 'createOrUpdate') {
    try {
      await registry.putDevice(entry.id, withoutExtensions(entry.body), { kind: 'none' });
    } catch (error: unknown) {
      if (wireErrorOf(error)?.code !== 'DeviceAlreadyExists') throw error;
      await registry.putDevice(entry.id, withoutExtensions(entry.body), { kind: 'any' });
    }
  } else {
    await registry.putDevice(entry.id, withoutExtensions(entry.body), ifMatch);
  }
  if (twin.tags || twin.desired) await registry.updateTwin(entry.id, twin, 'patch', undefined);
}

function withoutExtensions(body: Record<string, unknown>): Record<string, unknown> {
  const { id, importMode, eTag, etag, tags, properties, twinETag, ...identity } = body;
  void [id, importMode, eTag, etag, tags, properties, twinETag];
  return identity;
}
