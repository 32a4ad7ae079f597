import { randomBytes } from 'node:crypto';
import { NEVER, type DeviceRecord, type JsonObject } from '../device-model';
import { checkSectionSize } from '../twin-limits';
import { cloneJson, mergeInto, sectionOf } from '../twin-document';
import type { IdentityInput } from './registry-bodies';
import { reportDueAfterDesired } from './simulated-device';
import type { SimulationProfile } from './simulation-profile';
import { resolveScopes } from './edge-scopes';

/** Tags and desired properties a service writes into a twin. */
export interface TwinChange {
  tags?: JsonObject;
  desired?: JsonObject;
}

/** What building a record needs to know: the time, and how the simulated device will report (its profile, seed). */
export interface RecordContext {
  now: number;
  seed: string | undefined;
  profileOf(record: DeviceRecord): SimulationProfile;
}

function checkSizes(record: DeviceRecord): void {
  checkSectionSize(record.tags, 'tags');
  checkSectionSize(record.desired.values, 'desired');
}

/** A new record for a device with the given identity (and optional initial tags and desired properties). */
export function newDeviceRecord(
  deviceId: string,
  input: IdentityInput,
  twin: TwinChange,
  context: RecordContext,
): DeviceRecord {
  const at = new Date(context.now).toISOString();
  const record: DeviceRecord = {
    deviceId,
    generationId: BigInt.asUintN(62, randomBytes(8).readBigUInt64BE())
      .toString()
      .padStart(18, '6')
      .slice(0, 18),
    identityVersion: 1,
    status: input.status,
    statusReason: input.statusReason,
    statusUpdatedTime: NEVER,
    createdTime: at,
    authentication: input.authentication,
    capabilities: input.capabilities,
    twinVersion: 1,
    tags: twin.tags ?? {},
    tagsLastUpdated: at,
    desired: sectionOf(twin.desired ?? {}, 1, at, true),
    reported: sectionOf({}, 1, at, false),
  };
  if (input.simulation) record.simulation = input.simulation;
  setScopes(record, resolveScopes({ ...record, iotEdge: record.capabilities.iotEdge }, input.scopes));
  checkSizes(record);
  if (twin.desired && Object.keys(twin.desired).length > 0 && reportsBack(context.profileOf(record))) {
    record.reportDueAt = reportDueAfterDesired(record, context.profileOf(record), context.seed, context.now);
  }
  return record;
}

/** The record with a new identity (status, authentication, capabilities, profile); bumps the identity version. */
export function withIdentity(record: DeviceRecord, input: IdentityInput, now: number): DeviceRecord {
  const next: DeviceRecord = {
    ...record,
    identityVersion: record.identityVersion + 1,
    status: input.status,
    statusReason: input.statusReason,
    statusUpdatedTime:
      input.status === record.status ? record.statusUpdatedTime : new Date(now).toISOString(),
    authentication: input.authentication,
    capabilities: input.capabilities,
  };
  // The SDK's Device class drops unknown fields, so a get-then-update must not lose the profile.
  // Setting a profile makes a real device simulated again (until its client connects anew).
  if (input.simulation) {
    next.simulation = input.simulation;
    delete next.connection;
  } else if (input.simulation === null) delete next.simulation;
  setScopes(next, resolveScopes({ ...next, iotEdge: next.capabilities.iotEdge }, input.scopes, record));
  return next;
}

function setScopes(record: DeviceRecord, scopes: { deviceScope?: string; parentScopes?: string[] }): void {
  delete record.deviceScope;
  if (scopes.deviceScope) record.deviceScope = scopes.deviceScope;
  record.parentScopes = scopes.parentScopes ?? [];
}

/**
 * Applies tags and desired properties to a twin: merged (`mode: 'patch'`, null deletes) or replaced. Bumps the
 * twin version, and the desired `$version` when desired properties were given; schedules the simulated
 * device's report of them.
 */
export function withTwinChange(
  record: DeviceRecord,
  change: TwinChange,
  mode: 'patch' | 'replace',
  context: RecordContext,
): DeviceRecord {
  const next = cloneJson(record);
  const at = new Date(context.now).toISOString();
  next.twinVersion += 1;
  if (mode === 'replace') {
    next.tags = cloneJson(change.tags ?? {});
    next.tagsLastUpdated = at;
    next.desired = sectionOf(change.desired ?? {}, record.desired.version + 1, at, true);
  } else {
    if (change.tags) {
      mergeInto(next.tags, {}, change.tags, at);
      next.tagsLastUpdated = at;
    }
    if (change.desired) {
      next.desired.version += 1;
      mergeInto(next.desired.values, next.desired.metadata, change.desired, at, next.desired.version);
    }
  }
  checkSizes(next);
  // A real device reports for itself; only a simulated one has its report scheduled.
  if ((mode === 'replace' || change.desired) && !next.connection && reportsBack(context.profileOf(next))) {
    next.reportDueAt = reportDueAfterDesired(next, context.profileOf(next), context.seed, context.now);
  } else if (!reportsBack(context.profileOf(next))) {
    delete next.reportDueAt;
  }
  return next;
}

/** A simulated device reports its desired properties back unless its profile says it never does. */
function reportsBack(profile: SimulationProfile): boolean {
  return profile.reportsBack !== false;
}
