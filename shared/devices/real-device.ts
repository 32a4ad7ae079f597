import { parseOrThrow } from '@device-jobs/client/schemas';
import { argumentInvalid, ArgumentInvalidError } from '../http';
import { ReportedPatchSchema } from '../schemas/twin.schema';
import type { DeviceConnection, DeviceRecord, JsonObject } from './device-model';
import { checkSectionSize } from './twin-limits';
import { cloneJson, mergeInto } from './twin-document';

/** A device is real once a client has connected with its identity (and until a simulation profile is set). */
export function isReal(record: DeviceRecord): record is DeviceRecord & { connection: DeviceConnection } {
  return record.connection !== undefined;
}

export function isConnected(record: DeviceRecord): boolean {
  return record.connection?.state === 'Connected' && record.status === 'enabled';
}

/**
 * The record of a device whose client has just connected through `endpointId`: real from now on (its own
 * simulation profile and any pending simulated report are dropped, so reads no longer simulate it).
 */
export function withConnected(
  record: DeviceRecord,
  endpointId: string,
  connectionId: string,
  now: number,
): DeviceRecord {
  const at = new Date(now).toISOString();
  const next: DeviceRecord = {
    ...record,
    connection: { state: 'Connected', stateUpdatedTime: at, lastActivityTime: at, endpointId, connectionId },
  };
  delete next.simulation;
  delete next.reportDueAt;
  return next;
}

/**
 * The record once connection `connectionId` has ended; unchanged (undefined) when a newer connection replaced it
 * or the device became simulated meanwhile.
 */
export function withDisconnected(
  record: DeviceRecord,
  connectionId: string,
  now: number,
): DeviceRecord | undefined {
  const { connection } = record;
  if (!connection || connection.connectionId !== connectionId || connection.state === 'Disconnected') {
    return undefined;
  }
  const at = new Date(now).toISOString();
  return {
    ...record,
    connection: { ...connection, state: 'Disconnected', stateUpdatedTime: at, lastActivityTime: at },
  };
}

/**
 * Validates a reported-properties patch a device sent (IoT Hub's twin rules: keys, depth, string sizes; null
 * deletes) and returns it typed.
 */
export function readReportedPatch(value: unknown): JsonObject {
  return parseOrThrow(ReportedPatchSchema, value, 'properties.reported', argumentInvalid);
}

/**
 * Applies a reported patch: merges it, bumps the reported `$version` and the twin version, and stamps activity.
 * Refuses (400 ArgumentInvalid) a result over IoT Hub's 32 KB.
 */
export function withReportedPatch(record: DeviceRecord, patch: JsonObject, now: number): DeviceRecord {
  if (!isReal(record)) throw new ArgumentInvalidError('Only a connected device reports properties.');
  const next = cloneJson(record);
  const at = new Date(now).toISOString();
  next.twinVersion += 1;
  next.reported.version += 1;
  mergeInto(next.reported.values, next.reported.metadata, patch, at);
  checkSectionSize(next.reported.values, 'reported');
  if (next.connection) next.connection.lastActivityTime = at;
  return next;
}

/**
 * What a connected device is sent when its desired properties changed from `before` to `after`: the patch as
 * given (a merge), or for a replacement the whole new section with null for every removed key; plus `$version`.
 */
export function desiredNotification(
  before: DeviceRecord,
  after: DeviceRecord,
  change: { desired?: JsonObject },
  mode: 'patch' | 'replace',
): JsonObject | undefined {
  if (after.desired.version === before.desired.version) return undefined;
  let patch: JsonObject;
  if (mode === 'patch') {
    patch = cloneJson(change.desired ?? {});
  } else {
    patch = cloneJson(after.desired.values);
    for (const key of Object.keys(before.desired.values)) if (!(key in patch)) patch[key] = null;
  }
  return { ...patch, $version: after.desired.version };
}
