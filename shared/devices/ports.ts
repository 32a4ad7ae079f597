import type { IndexEntry, ScalarType } from '../query';
import type { DeviceRecord, JsonObject } from './device-model';
import type { MethodInvocation, MethodResult } from './method-request';

/** Where a page of index candidates starts: at (or just after) a device id, and how many it holds at most. */
export interface IndexPageRequest {
  from?: { deviceId: string; inclusive: boolean };
  /** Index rows read at most (candidates admitted or not). */
  limit: number;
  /**
   * Whether a device may match by the copy of its tags an index row carries (docs/devices.md, "Covering entries"):
   * a row it refuses gives no candidate unless another row of the same device admits it. Rows without a copy
   * always give one.
   */
  admits?: (tags: JsonObject) => boolean;
}

/** A page of twin-index candidates, in the store's key order. */
export interface IndexPage {
  deviceIds: string[];
  /** The device of the last index row the page covers (admitted or not): the next page starts after it. */
  lastRead?: string;
  /** The devices the page's index rows cover, admitted or not (`deviceIds` when no copy refused one). */
  covered?: number;
  /**
   * Whether candidates may follow: false only when the store said none do (Table Storage answers a continuation
   * whenever more rows may exist), so the last page costs no further read.
   */
  more: boolean;
}

/** A device record with the storage etag it was read at (for optimistic concurrency). */
export interface StoredDevice {
  record: DeviceRecord;
  storageEtag: string;
}

/** Where a scan stopped: the keys of the last device it returned. */
export interface ScanPosition {
  partitionKey: string;
  rowKey: string;
}

/** Outcome of one device in a batch write. */
export type BatchOutcome = { deviceId: string; ok: true } | { deviceId: string; ok: false; error: unknown };

/**
 * Where the embedded registry keeps its devices (identity and twin in one record). Implemented on Table Storage by
 * `shared/storage`; writes are guarded by the storage etag and refused with `ConcurrencyConflictError`.
 */
export interface RegistryRepository {
  get(deviceId: string): Promise<StoredDevice | undefined>;
  /** Point reads of many devices (missing ones are left out), in the order given. */
  getMany(deviceIds: readonly string[]): Promise<StoredDevice[]>;
  /** Inserts a new device; `ConcurrencyConflictError` (kind `exists`) if the id is taken. */
  insert(record: DeviceRecord): Promise<void>;
  /**
   * Replaces a device read at `storageEtag`; `'changed'` if it changed meanwhile, `'missing'` if it is gone.
   * `previous` (the record as read) lets the twin index drop the entries the change removed.
   */
  replace(record: DeviceRecord, storageEtag: string, previous?: DeviceRecord): Promise<void>;
  /** Deletes a device read at `storageEtag` (same conflicts as `replace`); `previous` as for `replace`. */
  delete(deviceId: string, storageEtag: string, previous?: DeviceRecord): Promise<void>;
  /**
   * One page of the ids of the devices that may hold any of `entries` (a superset of those that do: evaluate the
   * condition on each), in the store's key order from `from` on, or undefined when this store keeps no twin
   * index. A page costs about `limit` entries read, wherever it starts.
   */
  indexedDeviceIds?(entries: readonly IndexEntry[], page: IndexPageRequest): Promise<IndexPage | undefined>;
  /**
   * About how many devices sort at or before `deviceId` in the store's key order (where the index's pages put
   * their candidates), estimated from a sample of the fleet without reading it whole; the count stops a little
   * past `enough` (the answer is then at least `enough`). The query planner's selectivity estimate.
   */
  devicesThrough?(deviceId: string, enough: number): Promise<number>;
  /**
   * The scalar types some device holds at an index path (one one-row read of the twin index per type), or
   * undefined when this store keeps no twin index.
   */
  valueTypesAt?(indexPath: string): Promise<ScalarType[] | undefined>;
  /** Inserts many new devices, each with its own outcome (a taken id fails that device only). */
  insertMany(records: readonly DeviceRecord[]): Promise<BatchOutcome[]>;
  /**
   * Every device in a stable key order after `after`, each with the position that resumes after it.
   */
  scan(options?: {
    after?: ScanPosition;
    pageSize?: number;
  }): AsyncIterable<{ device: StoredDevice; position: ScanPosition }>;
}

/**
 * How the app reaches real devices: through the device endpoint that holds their MQTT connections
 * (`packages/device-endpoint`, docs/devices.md "Real devices").
 */
export interface RealDeviceLink {
  /**
   * Calls a direct method on a real device and returns its answer; `DeviceNotOnline` when it is not connected
   * (after waiting up to `connectTimeoutInSeconds`) or drops the connection before answering, `GatewayTimeout`
   * when it does not answer within `responseTimeoutInSeconds`.
   */
  invokeMethod(record: DeviceRecord, call: Required<MethodInvocation>): Promise<MethodResult>;
  /**
   * Sends a connected device its desired-properties change (`$version` included). Best effort: a device that is
   * away reads its desired properties with its twin GET when it reconnects, as on IoT Hub.
   */
  notifyDesired(record: DeviceRecord, patch: JsonObject): Promise<void>;
}

/** A running device endpoint as it announces itself in storage to the app hosts. */
export interface EndpointAnnouncement {
  endpointId: string;
  /** Base URL of its control API (method calls and desired notifications from the app hosts). */
  controlUrl: string;
  /** Shared secret the control API demands (whoever reads the storage account may call it). */
  secret: string;
  startedAt: string;
}

/** Where the device endpoints on a storage account announce themselves; implemented on Table Storage. */
export interface EndpointDirectory {
  announce(endpoint: EndpointAnnouncement): Promise<void>;
  withdraw(endpointId: string): Promise<void>;
  get(endpointId: string): Promise<EndpointAnnouncement | undefined>;
  /** The endpoint started last (where a disconnected device will reconnect), if any. */
  latest(): Promise<EndpointAnnouncement | undefined>;
}

/** A job waiting for a condition on one device's twin (a job's `completionCondition`), as twin writers see it. */
export interface TwinWatch {
  jobId: string;
  deviceId: string;
  condition: string;
  /** ISO instant after which the watch is void (the job settles the device as timed out). */
  deadline: string;
}

/**
 * Where the watches on device twins are kept (storage rows beside the registry): every writer of a twin (the app
 * hosts, the device endpoint) reads the device's watches after a change and marks those whose condition holds.
 */
export interface TwinWatchStore {
  /** The watches on one device's twin (a one-partition read; usually none). */
  watchesOf(deviceId: string): Promise<TwinWatch[]>;
  /** Whether any device has a watch (one small read: while none has, writers need not read each device's). */
  anyWatches(): Promise<boolean>;
  /** The condition holds: records it for the job and ends the watch; true when the job is to be woken. */
  markMet(watch: TwinWatch, at: string): Promise<boolean>;
  /** Ends a watch past its deadline (the job no longer waits for it). */
  drop(watch: TwinWatch): Promise<void>;
}

/** Wakes a job whose waiting devices met their condition (a queue message the app turns into an event). */
export interface JobWaker {
  wake(jobId: string): Promise<void>;
}
