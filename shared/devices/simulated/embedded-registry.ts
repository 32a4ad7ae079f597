import { randomBytes } from 'node:crypto';
import {
  ArgumentInvalidError,
  DeviceAlreadyExistsError,
  DeviceNotFoundError,
  isPlainObject,
  PreconditionFailedError,
} from '../../http';
import { StorageConflictError, type RegistryRepository, type StoredDevice } from '../ports';
import { DEVICE_ID_RULE, deviceEtag, isDeviceId, versionEtag, type IfMatch } from '../../iothub-rules';
import {
  NEVER,
  type DeviceAuthentication,
  type DeviceIdentityWire,
  type DeviceRecord,
  type JsonObject,
  type TwinWire,
} from '../device-model';
import { TWIN_LIMITS } from '../../iothub-rules';
import { checkSectionSize, validateTwinSection } from '../twin-limits';
import { cloneJson, mergeInto, sectionOf, sectionToWire } from '../twin-document';
import { effectiveProfile, isOnline, materializeReport, reportDueAfterDesired } from './simulated-device';
import { parseSimulationProfile, type SimulationProfile } from './simulation-profile';

export interface EmbeddedRegistryOptions {
  repository: RegistryRepository;
  defaultSimulation: SimulationProfile;
  simulationSeed: string | undefined;
  now?: () => number;
}

const MAX_WRITE_ATTEMPTS = 8;

export function newSymmetricKey(): string {
  return randomBytes(32).toString('base64');
}

export function validateDeviceId(deviceId: unknown, where = 'deviceId'): string {
  if (!isDeviceId(deviceId)) throw new ArgumentInvalidError(`${where} ${DEVICE_ID_RULE}.`);
  return deviceId;
}

function readAuthentication(value: unknown): DeviceAuthentication {
  if (value === undefined || value === null) value = {};
  if (!isPlainObject(value)) throw new ArgumentInvalidError('authentication must be an object.');
  const type = value.type ?? 'sas';
  if (type !== 'sas' && type !== 'selfSigned' && type !== 'certificateAuthority' && type !== 'none') {
    throw new ArgumentInvalidError(`authentication.type ${JSON.stringify(type)} is not supported.`);
  }
  if (type !== 'sas') {
    const thumb = isPlainObject(value.x509Thumbprint) ? value.x509Thumbprint : {};
    const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
    return {
      type,
      x509Thumbprint: {
        primaryThumbprint: text(thumb.primaryThumbprint),
        secondaryThumbprint: text(thumb.secondaryThumbprint),
      },
    };
  }
  const keys = isPlainObject(value.symmetricKey) ? value.symmetricKey : {};
  const key = (v: unknown, name: string): string => {
    if (v === undefined || v === null || v === '') return newSymmetricKey();
    if (typeof v !== 'string' || Buffer.from(v, 'base64').length < 16) {
      throw new ArgumentInvalidError(
        `authentication.symmetricKey.${name} must be a base64 key of 16 to 64 bytes.`,
      );
    }
    return v;
  };
  return {
    type: 'sas',
    symmetricKey: {
      primaryKey: key(keys.primaryKey, 'primaryKey'),
      secondaryKey: key(keys.secondaryKey, 'secondaryKey'),
    },
  };
}

/** The fields of a device identity that a caller sets, validated. */
export interface IdentityInput {
  status: 'enabled' | 'disabled';
  statusReason: string | null;
  authentication: DeviceAuthentication;
  capabilities: { iotEdge: boolean };
  /** The device's own profile; `null` removes it, `undefined` (field absent) keeps what the device has. */
  simulation: SimulationProfile | null | undefined;
}

export function readIdentityInput(body: Record<string, unknown>): IdentityInput {
  const status = body.status ?? 'enabled';
  if (status !== 'enabled' && status !== 'disabled') {
    throw new ArgumentInvalidError(`status must be 'enabled' or 'disabled'.`);
  }
  if (
    body.statusReason !== undefined &&
    body.statusReason !== null &&
    typeof body.statusReason !== 'string'
  ) {
    throw new ArgumentInvalidError('statusReason must be a string.');
  }
  const capabilities = isPlainObject(body.capabilities) ? body.capabilities : {};
  return {
    status,
    statusReason:
      typeof body.statusReason === 'string' && body.statusReason !== '' ? body.statusReason : null,
    authentication: readAuthentication(body.authentication),
    capabilities: { iotEdge: capabilities.iotEdge === true },
    simulation:
      body.simulation === undefined || body.simulation === null
        ? body.simulation
        : parseSimulationProfile(body.simulation),
  };
}

/** Reads a twin patch or replacement body: only `tags` and `properties.desired` may be written. */
export function readTwinBody(
  body: Record<string, unknown>,
  allowNull: boolean,
): { tags?: JsonObject; desired?: JsonObject } {
  const result: { tags?: JsonObject; desired?: JsonObject } = {};
  if (body.tags !== undefined && body.tags !== null)
    result.tags = validateTwinSection(body.tags, 'tags', allowNull);
  const properties = body.properties;
  if (properties !== undefined && properties !== null) {
    if (!isPlainObject(properties)) throw new ArgumentInvalidError('properties must be an object.');
    if (properties.reported !== undefined) {
      throw new ArgumentInvalidError(
        'properties.reported belongs to the device: only tags and desired properties can be written.',
      );
    }
    if (properties.desired !== undefined && properties.desired !== null) {
      const desired = validateTwinSection(properties.desired, 'properties.desired', allowNull);
      const withoutVersion = Object.fromEntries(
        Object.entries(desired).filter(([key]) => key !== '$version' && key !== '$metadata'),
      );
      result.desired = withoutVersion;
    }
  }
  return result;
}

/**
 * The embedded device registry: device identities and twins in Table Storage, with simulated devices. It is the
 * use-case layer of the registry endpoints; the HTTP functions only parse and answer.
 */
export class EmbeddedRegistry {
  /** Where the devices are kept (the port; queries and bulk writes read and write through it). */
  readonly repository: RegistryRepository;
  readonly defaultSimulation: SimulationProfile;
  readonly seed: string | undefined;
  readonly now: () => number;

  constructor(options: EmbeddedRegistryOptions) {
    this.repository = options.repository;
    this.defaultSimulation = options.defaultSimulation;
    this.seed = options.simulationSeed;
    this.now = options.now ?? Date.now;
  }

  profileOf(record: DeviceRecord): SimulationProfile {
    return effectiveProfile(record, this.defaultSimulation);
  }

  /** The record as of now (a due report applied), or DeviceNotFound. */
  async read(deviceId: string): Promise<StoredDevice> {
    const stored = await this.repository.get(deviceId);
    if (!stored) throw new DeviceNotFoundError(deviceId);
    return { ...stored, record: this.current(stored.record) };
  }

  current(record: DeviceRecord): DeviceRecord {
    return materializeReport(record, this.profileOf(record), this.now());
  }

  /** A new record for a device with the given identity (and optional initial tags and desired properties). */
  newRecord(
    deviceId: string,
    input: IdentityInput,
    twin: { tags?: JsonObject; desired?: JsonObject } = {},
  ): DeviceRecord {
    const at = new Date(this.now()).toISOString();
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
    checkSectionSize(record.tags, 'tags', TWIN_LIMITS.tagsBytes);
    checkSectionSize(record.desired.values, 'properties.desired', TWIN_LIMITS.desiredBytes);
    if (twin.desired && Object.keys(twin.desired).length > 0) {
      record.reportDueAt = reportDueAfterDesired(record, this.profileOf(record), this.seed, this.now());
    }
    return record;
  }

  /**
   * Read-modify-write with optimistic concurrency on the storage etag: `change` sees the current record and
   * returns the new one (or throws); a concurrent write makes it run again on fresh data.
   */
  async modify(deviceId: string, change: (record: DeviceRecord) => DeviceRecord): Promise<DeviceRecord> {
    for (let attempt = 1; ; attempt++) {
      const stored = await this.read(deviceId);
      const next = change(stored.record);
      try {
        await this.repository.replace(next, stored.storageEtag);
        return next;
      } catch (error: unknown) {
        if (error instanceof StorageConflictError && error.kind === 'missing')
          throw new DeviceNotFoundError(deviceId);
        if (!(error instanceof StorageConflictError) || attempt >= MAX_WRITE_ATTEMPTS) throw error;
      }
    }
  }

  // ---- device identities -------------------------------------------------------------------------------

  toIdentityWire(record: DeviceRecord): DeviceIdentityWire {
    const profile = this.profileOf(record);
    const wire: DeviceIdentityWire = {
      deviceId: record.deviceId,
      generationId: record.generationId,
      etag: deviceEtag(record),
      connectionState: isOnline(record, profile) ? 'Connected' : 'Disconnected',
      status: record.status,
      statusReason: record.statusReason,
      connectionStateUpdatedTime: record.createdTime,
      statusUpdatedTime: record.statusUpdatedTime,
      lastActivityTime: NEVER,
      cloudToDeviceMessageCount: 0,
      authentication: record.authentication,
      capabilities: record.capabilities,
    };
    if (record.simulation) wire.simulation = record.simulation;
    return wire;
  }

  async getDevice(deviceId: string): Promise<DeviceIdentityWire> {
    return this.toIdentityWire((await this.read(deviceId)).record);
  }

  /** The first `top` device identities in storage order (`GET /devices`). */
  async listDevices(top: number): Promise<DeviceIdentityWire[]> {
    const devices: DeviceIdentityWire[] = [];
    if (top <= 0) return devices;
    for await (const { device } of this.repository.scan({ pageSize: Math.min(top, 1000) })) {
      devices.push(this.toIdentityWire(this.current(device.record)));
      if (devices.length >= top) break;
    }
    return devices;
  }

  /**
   * `PUT /devices/{id}`: without If-Match it creates (409 if the id exists, as IoT Hub); with `*` or an etag it
   * updates the identity (404 if absent, 412 on an etag mismatch).
   */
  async putDevice(
    deviceId: string,
    body: Record<string, unknown>,
    ifMatch: IfMatch,
  ): Promise<DeviceIdentityWire> {
    validateDeviceId(deviceId);
    if (body.deviceId !== undefined && body.deviceId !== deviceId) {
      throw new ArgumentInvalidError('deviceId in the body does not match the device id in the path.');
    }
    const input = readIdentityInput(body);
    if (ifMatch.kind === 'none') {
      const record = this.newRecord(deviceId, input);
      try {
        await this.repository.insert(record);
      } catch (error: unknown) {
        if (error instanceof StorageConflictError) throw new DeviceAlreadyExistsError(deviceId);
        throw error;
      }
      return this.toIdentityWire(record);
    }
    const updated = await this.modify(deviceId, (record) => {
      if (ifMatch.kind === 'etag' && ifMatch.etag !== deviceEtag(record)) throw new PreconditionFailedError();
      return this.withIdentity(record, input);
    });
    return this.toIdentityWire(updated);
  }

  withIdentity(record: DeviceRecord, input: IdentityInput): DeviceRecord {
    const next: DeviceRecord = {
      ...record,
      identityVersion: record.identityVersion + 1,
      status: input.status,
      statusReason: input.statusReason,
      statusUpdatedTime:
        input.status === record.status ? record.statusUpdatedTime : new Date(this.now()).toISOString(),
      authentication: input.authentication,
      capabilities: input.capabilities,
    };
    // The SDK's Device class drops unknown fields, so a get-then-update must not lose the profile.
    if (input.simulation) next.simulation = input.simulation;
    else if (input.simulation === null) delete next.simulation;
    return next;
  }

  /** `DELETE /devices/{id}` honouring If-Match (`*` or absent deletes whatever version). */
  async deleteDevice(deviceId: string, ifMatch: IfMatch): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const stored = await this.read(deviceId);
      if (ifMatch.kind === 'etag' && ifMatch.etag !== deviceEtag(stored.record))
        throw new PreconditionFailedError();
      try {
        await this.repository.delete(deviceId, stored.storageEtag);
        return;
      } catch (error: unknown) {
        if (error instanceof StorageConflictError && error.kind === 'missing')
          throw new DeviceNotFoundError(deviceId);
        if (!(error instanceof StorageConflictError) || attempt >= MAX_WRITE_ATTEMPTS) throw error;
      }
    }
  }

  // ---- twins -------------------------------------------------------------------------------------------

  toTwinWire(record: DeviceRecord): TwinWire {
    const profile = this.profileOf(record);
    const twin: TwinWire = {
      deviceId: record.deviceId,
      etag: versionEtag(record.twinVersion),
      deviceEtag: deviceEtag(record),
      status: record.status,
      statusUpdateTime: record.statusUpdatedTime,
      connectionState: isOnline(record, profile) ? 'Connected' : 'Disconnected',
      lastActivityTime: NEVER,
      cloudToDeviceMessageCount: 0,
      authenticationType: record.authentication.type,
      x509Thumbprint: record.authentication.x509Thumbprint ?? {
        primaryThumbprint: null,
        secondaryThumbprint: null,
      },
      modelId: '',
      version: record.twinVersion,
      tags: cloneJson(record.tags),
      properties: { desired: sectionToWire(record.desired), reported: sectionToWire(record.reported) },
      capabilities: record.capabilities,
    };
    if (record.statusReason !== null) twin.statusReason = record.statusReason;
    return twin;
  }

  async getTwin(deviceId: string): Promise<TwinWire> {
    return this.toTwinWire((await this.read(deviceId)).record);
  }

  /**
   * Applies tags and desired properties to a twin: merged (`mode: 'patch'`, null deletes) or replaced. Bumps the
   * twin version, and the desired `$version` when desired properties were given; schedules the simulated
   * device's report of them.
   */
  applyTwin(
    record: DeviceRecord,
    change: { tags?: JsonObject; desired?: JsonObject },
    mode: 'patch' | 'replace',
  ): DeviceRecord {
    const next = cloneJson(record);
    const at = new Date(this.now()).toISOString();
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
    checkSectionSize(next.tags, 'tags', TWIN_LIMITS.tagsBytes);
    checkSectionSize(next.desired.values, 'properties.desired', TWIN_LIMITS.desiredBytes);
    if (mode === 'replace' || change.desired) {
      next.reportDueAt = reportDueAfterDesired(next, this.profileOf(next), this.seed, this.now());
    }
    return next;
  }

  async updateTwin(
    deviceId: string,
    change: { tags?: JsonObject; desired?: JsonObject },
    mode: 'patch' | 'replace',
    etag: string | undefined,
  ): Promise<TwinWire> {
    const updated = await this.modify(deviceId, (record) => {
      if (etag !== undefined && etag !== versionEtag(record.twinVersion)) throw new PreconditionFailedError();
      return this.applyTwin(record, change, mode);
    });
    return this.toTwinWire(updated);
  }
}
