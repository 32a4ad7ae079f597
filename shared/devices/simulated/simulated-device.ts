import type { DeviceRecord, JsonObject } from '../device-model';
import { isConnected, isReal } from '../real-device';
import { cloneJson, mergeInto } from '../twin-document';
import { drawsFor, latencyFrom } from './simulation-draws';
import type { SimulationProfile } from './simulation-profile';

/** The simulation profile in force for a device: its own fields over the default profile. */
export function effectiveProfile(record: DeviceRecord, defaults: SimulationProfile): SimulationProfile {
  return { ...defaults, ...record.simulation };
}

/** A real device is online while its client is connected; a simulated one unless its profile says offline. */
export function isOnline(record: DeviceRecord, profile: SimulationProfile): boolean {
  if (isReal(record)) return isConnected(record);
  return record.status === 'enabled' && profile.offline !== true;
}

/** When a device that just received desired properties will have reported them back (epoch ms). */
export function reportDueAfterDesired(
  record: DeviceRecord,
  profile: SimulationProfile,
  seed: string | undefined,
  now: number,
): number {
  const [draw] = drawsFor(seed, record.deviceId, 'report', String(record.desired.version));
  return now + latencyFrom(profile.latencyMs, draw);
}

function withoutDollarKeys(values: JsonObject): JsonObject {
  const result: JsonObject = {};
  for (const [key, value] of Object.entries(values)) if (!key.startsWith('$')) result[key] = value;
  return result;
}

/**
 * The record as it is at `now`: a simulated device whose report fell due has written its desired properties
 * back into its reported properties (bumping the reported and twin versions). Pure: the caller persists the
 * result on its next write, and reads see the same state meanwhile.
 */
export function materializeReport(
  record: DeviceRecord,
  profile: SimulationProfile,
  now: number,
): DeviceRecord {
  if (
    record.reportDueAt === undefined ||
    record.reportDueAt > now ||
    isReal(record) ||
    !isOnline(record, profile)
  )
    return record;
  const next = cloneJson(record);
  delete next.reportDueAt;
  next.reported.version += 1;
  next.twinVersion += 1;
  mergeInto(
    next.reported.values,
    next.reported.metadata,
    withoutDollarKeys(record.desired.values),
    new Date(record.reportDueAt).toISOString(),
  );
  return next;
}
