import { ConcurrencyConflictError } from '../../iothub-rules';
import {
  ArgumentInvalidError,
  DeviceAlreadyExistsError,
  DeviceNotFoundError,
  PreconditionFailedError,
} from '../../http';
import { deviceEtag, versionEtag, type IfMatch } from '../../iothub-rules';
import type { DeviceIdentityWire, DeviceRecord, JsonObject, TwinWire } from '../device-model';
import { twinConditionHolds } from '../twin-condition';
import {
  type JobWaker,
  type RealDeviceLink,
  type TwinWatchStore,
  type RegistryRepository,
  type StoredDevice,
} from '../ports';
import {
  desiredNotification,
  isConnected,
  isReal,
  withConnected,
  withDisconnected,
  withReportedPatch,
} from '../real-device';
import {
  newDeviceRecord,
  withIdentity,
  withTwinChange,
  type RecordContext,
  type TwinChange,
} from './device-records';
import { writeOptimistically } from './optimistic-write';
import { readIdentityInput, validateDeviceId, type IdentityInput } from './registry-bodies';
import { identityWire, twinWire } from './registry-wire';
import { effectiveProfile, materializeReport } from './simulated-device';
import type { SimulationProfile } from './simulation-profile';
import { checkScopeOwners, edgeIdOfScope, parentScopesOf } from './edge-scopes';
import { WatchPresence } from '../watch-presence';
import { WATCH_PRESENCE_MAX_AGE_MS } from '../../jobs/core/completion-condition';

export interface EmbeddedRegistryOptions {
  repository: RegistryRepository;
  defaultSimulation: SimulationProfile;
  simulationSeed: string | undefined;
  now?: () => number;
  /** How real devices are reached (the device endpoint); without it real devices are never online. */
  link?: RealDeviceLink;
  /** Debug log: each twin query's access path (index or scan) and why (`DEVICE_QUERY_PLAN_LOG`). */
  debug?: (message: string) => void;
  /** Jobs' watches on twins (completion conditions): read after every twin change, met ones marked. */
  watches?: { store: TwinWatchStore; waker: JobWaker };
}

/**
 * The embedded device registry: device identities and twins kept through the registry port, with simulated
 * devices. It is the use-case layer of the registry endpoints; the HTTP functions only parse and answer.
 */
export class EmbeddedRegistry {
  /** Where the devices are kept (the port; queries and bulk writes read and write through it). */
  readonly repository: RegistryRepository;
  readonly defaultSimulation: SimulationProfile;
  readonly seed: string | undefined;
  readonly now: () => number;
  readonly link: RealDeviceLink | undefined;
  readonly debug: ((message: string) => void) | undefined;
  private readonly watches: EmbeddedRegistryOptions['watches'];
  private readonly watchPresence: WatchPresence | undefined;

  constructor(options: EmbeddedRegistryOptions) {
    this.debug = options.debug;
    this.watches = options.watches;
    this.repository = options.repository;
    this.link = options.link;
    this.defaultSimulation = options.defaultSimulation;
    this.seed = options.simulationSeed;
    this.now = options.now ?? Date.now;
    this.watchPresence =
      options.watches && new WatchPresence(options.watches.store, this.now, WATCH_PRESENCE_MAX_AGE_MS);
  }

  profileOf(record: DeviceRecord): SimulationProfile {
    return effectiveProfile(record, this.defaultSimulation);
  }

  /** What building a record needs now (time, seed, profiles). */
  context(): RecordContext {
    return { now: this.now(), seed: this.seed, profileOf: (record) => this.profileOf(record) };
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
  newRecord(deviceId: string, input: IdentityInput, twin: TwinChange = {}): DeviceRecord {
    return newDeviceRecord(deviceId, input, twin, this.context());
  }

  /**
   * Replaces the device with what `change` makes of its current record (re-run on a concurrent write). `known`:
   * the device as the caller just read it, tried first (its etag tells whether it is still current).
   */
  private async modify(
    deviceId: string,
    change: (record: DeviceRecord) => DeviceRecord,
    known?: StoredDevice,
  ): Promise<DeviceRecord> {
    let first = known && { ...known, record: this.current(known.record) };
    let fromKnown = false;
    return writeOptimistically(
      deviceId,
      async () => {
        fromKnown = first !== undefined;
        const stored = first ?? (await this.read(deviceId));
        first = undefined;
        return stored;
      },
      async (stored) => {
        let next: DeviceRecord;
        try {
          next = change(stored.record);
        } catch (error: unknown) {
          // The caller's copy may be older than the device: a check it fails is made again on a fresh read.
          if (fromKnown && error instanceof PreconditionFailedError)
            throw new ConcurrencyConflictError(`Device ${deviceId}`, 'changed');
          throw error;
        }
        await this.repository.replace(next, stored.storageEtag, stored.record);
        return next;
      },
    );
  }

  toIdentityWire(record: DeviceRecord): DeviceIdentityWire {
    return identityWire(record, this.profileOf(record));
  }

  toTwinWire(record: DeviceRecord): TwinWire {
    return twinWire(record, this.profileOf(record));
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
      await this.checkScopes(record);
      try {
        await this.repository.insert(record);
      } catch (error: unknown) {
        if (error instanceof ConcurrencyConflictError) throw new DeviceAlreadyExistsError(deviceId);
        throw error;
      }
      return this.toIdentityWire(record);
    }
    const current = await this.read(deviceId);
    await this.checkScopes(withIdentity(current.record, input, this.now()), current.record);
    const updated = await this.modify(
      deviceId,
      (record) => {
        if (ifMatch.kind === 'etag' && ifMatch.etag !== deviceEtag(record))
          throw new PreconditionFailedError();
        return withIdentity(record, input, this.now());
      },
      current,
    );
    return this.toIdentityWire(updated);
  }

  /**
   * Refuses a record whose parent scopes (new ones, not those of `previous`) no IoT Edge device of the registry
   * owns, as IoT Hub refuses moving a device under a scope nobody owns.
   */
  async checkScopes(record: DeviceRecord, previous?: DeviceRecord): Promise<void> {
    const before = new Set(previous ? parentScopesOf(previous) : []);
    const scopes = parentScopesOf(record).filter((scope) => !before.has(scope));
    if (scopes.length === 0) return;
    const ids = scopes.map(edgeIdOfScope).filter((id): id is string => id !== undefined);
    const owners = new Map((await this.repository.getMany(ids)).map((s) => [s.record.deviceId, s.record]));
    checkScopeOwners(record.deviceId, scopes, owners);
  }

  /** `DELETE /devices/{id}` honouring If-Match (`*` or absent deletes whatever version). */
  async deleteDevice(deviceId: string, ifMatch: IfMatch): Promise<void> {
    await writeOptimistically(
      deviceId,
      () => this.read(deviceId),
      async (stored) => {
        if (ifMatch.kind === 'etag' && ifMatch.etag !== deviceEtag(stored.record))
          throw new PreconditionFailedError();
        await this.repository.delete(deviceId, stored.storageEtag, stored.record);
      },
    );
  }

  async getTwin(deviceId: string): Promise<TwinWire> {
    return this.toTwinWire((await this.read(deviceId)).record);
  }

  /**
   * Applies tags and desired properties (merged or replaced) at `etag` (undefined: any version). `known`: the
   * device as the caller just read it (see `modify`).
   */
  async updateTwin(
    deviceId: string,
    change: TwinChange,
    mode: 'patch' | 'replace',
    etag: string | undefined,
    known?: StoredDevice,
  ): Promise<TwinWire> {
    return (await this.changeTwin(deviceId, change, mode, etag, known)).twin;
  }

  /** {@link updateTwin}, answering also the device as it was right before the write that changed it. */
  async changeTwin(
    deviceId: string,
    change: TwinChange,
    mode: 'patch' | 'replace',
    etag: string | undefined,
    known?: StoredDevice,
  ): Promise<{ twin: TwinWire; before: DeviceRecord }> {
    let before: DeviceRecord | undefined;
    const updated = await this.modify(
      deviceId,
      (record) => {
        if (etag !== undefined && etag !== versionEtag(record.twinVersion))
          throw new PreconditionFailedError();
        before = record;
        return withTwinChange(record, change, mode, this.context());
      },
      known,
    );
    if (before && this.link && isReal(updated) && isConnected(updated)) {
      const patch = desiredNotification(before, updated, change, mode);
      if (patch) await this.link.notifyDesired(updated, patch);
    }
    await this.checkWatches(updated);
    // `modify` ran the change on the record it wrote over, so `before` is set once it returns.
    return { twin: this.toTwinWire(updated), before: before ?? updated };
  }

  /**
   * After a twin change: marks the jobs' watches whose condition now holds and wakes those jobs. Best effort (the
   * change is stored already): a watch missed here is evaluated again when it falls due.
   */
  private async checkWatches(record: DeviceRecord): Promise<void> {
    if (!this.watches) return;
    const { store, waker } = this.watches;
    try {
      if (!(await this.watchPresence?.anyWatches())) return;
      const watches = await store.watchesOf(record.deviceId);
      if (watches.length === 0) return;
      const now = new Date(this.now()).toISOString();
      const twin = this.toTwinWire(record);
      for (const watch of watches) {
        if (watch.deadline < now) await store.drop(watch);
        else if (twinConditionHolds(watch.condition, twin) && (await store.markMet(watch, now)))
          await waker.wake(watch.jobId);
      }
    } catch (error: unknown) {
      console.warn(`Completion watches of device ${record.deviceId}: ${String(error)}`);
    }
  }

  /** The device endpoint accepted a client of the device: it is real and connected from now on. */
  async recordConnected(
    deviceId: string,
    endpointId: string,
    connectionId: string,
    known?: StoredDevice,
  ): Promise<DeviceRecord> {
    return this.modify(
      deviceId,
      (record) => withConnected(record, endpointId, connectionId, this.now()),
      known,
    );
  }

  /** Connection `connectionId` of the device ended (nothing changes if a newer one replaced it). */
  async recordDisconnected(deviceId: string, connectionId: string): Promise<void> {
    await writeOptimistically(
      deviceId,
      () => this.read(deviceId),
      async (stored) => {
        const next = withDisconnected(stored.record, connectionId, this.now());
        if (next) await this.repository.replace(next, stored.storageEtag, stored.record);
      },
    );
  }

  /** A connected device's reported-properties patch; returns the twin as it is now. */
  async reportProperties(deviceId: string, patch: JsonObject): Promise<DeviceRecord> {
    const updated = await this.modify(deviceId, (record) => withReportedPatch(record, patch, this.now()));
    await this.checkWatches(updated);
    return updated;
  }
}
