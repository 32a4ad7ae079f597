import type { Page, PageRequest } from '../../iothub-rules';
import type { ScalarType } from '../../query';
import type { ShardCounters } from './job-statistics';
import type {
  CloudToDeviceMethod,
  DeviceJobRecord,
  DeviceJobStatistics,
  DeviceJobStatus,
  DeviceMethodResponse,
  JobRecord,
  JobStatus,
  JobType,
  JsonObject,
  TwinPatch,
} from './job-model';
import type { DeviceTiming, DurationObservation } from './job-estimate';
import type { JobCloudEvent } from './job-events';
import type { JobScheduleRecord } from './job-schedule-model';
import type { JobSettings } from './job-settings';

export type { Page, PageRequest } from '../../iothub-rules';

/** A stored job with the etag that guards its next update. */
export interface StoredJob {
  job: JobRecord;
  etag: string;
}

export interface JobFilter {
  type?: JobType;
  status?: JobStatus;
}

/** Job rows and their per-shard counters. */
export interface JobRepository {
  /**
   * Inserts a new job row, with `events` in its outbox in the same transaction; throws `JobAlreadyExistsError`
   * when the id is taken (the stored job is untouched).
   */
  create(job: JobRecord, events?: readonly JobCloudEvent[]): Promise<StoredJob>;
  get(jobId: string): Promise<StoredJob | undefined>;
  /**
   * Replaces the job row if it still has `etag`, storing `events` in its outbox in the same transaction; throws
   * `ConcurrencyConflictError` otherwise. Returns the new etag.
   */
  update(job: JobRecord, etag: string, events?: readonly JobCloudEvent[]): Promise<string>;
  /** Removes the job row and its counters; a missing job is not an error. */
  delete(jobId: string): Promise<void>;
  query(filter: JobFilter, page: PageRequest): Promise<Page<JobRecord>>;
  /** How many jobs have not ended (queued, scheduled or running), counting no further than `limit`. */
  countActive(limit: number): Promise<number>;
  /** Replaces the counters of one shard (one write, so each read sees a whole shard); keeps its attempt mark. */
  writeShardCounters(jobId: string, shard: number, counters: ShardCounters): Promise<void>;
  /** Marks shards whose devices a run has started: a later run may be repeating a device (at-least-once). */
  markShardsAttempted(jobId: string, shards: readonly number[]): Promise<void>;
  /** Every shard's counters and attempt mark, by shard. */
  listShardStates(jobId: string): Promise<ShardState[]>;
  deleteShardCounters(jobId: string): Promise<void>;
  /**
   * Takes or renews the job's engine lease for `holder` until `expiresAt`; false while another holder's lease has
   * not expired. The engine runs one step of a job at a time, even when a step is delivered twice.
   */
  leaseEngine(jobId: string, holder: string, expiresAt: Date): Promise<boolean>;
  /** Gives the engine lease up, if `holder` still has it. */
  releaseEngine(jobId: string, holder: string): Promise<void>;
  /** Statistics summed over the shard counter rows at read time. */
  getStatistics(jobId: string): Promise<DeviceJobStatistics>;
  /** The job row and its statistics in one read (what `GET /jobs/v2/{id}` answers); `undefined` if no such job. */
  getWithStatistics(jobId: string): Promise<StoredJobWithStatistics | undefined>;
}

export interface StoredJobWithStatistics extends StoredJob {
  statistics: DeviceJobStatistics;
}

/** A shard's counter row. */
export interface ShardState {
  shard: number;
  counters: ShardCounters;
  /** A run started devices of this shard before (so a device not yet finished may already have been acted on). */
  attempted: boolean;
}

/** The device id list of a `deviceIds` job, stored outside the job row (lists may hold 100,000+ ids). */
export interface DeviceIdListRepository {
  save(listId: string, deviceIds: readonly string[]): Promise<void>;
  /** The ids in the order they were saved. */
  load(listId: string): Promise<string[]>;
  /** The ids of one stored chunk (0-based, in save order); `undefined` past the last chunk. */
  loadChunk(listId: string, chunk: number): Promise<string[] | undefined>;
  delete(listId: string): Promise<void>;
}

export interface DeviceJobFilter {
  jobId?: string;
  deviceId?: string;
  status?: DeviceJobStatus;
  jobType?: JobType;
}

/** Per-device results. */
export interface DeviceJobRepository {
  /**
   * Inserts or replaces rows, in batch transactions per partition. `stored`: rows as this caller last wrote them
   * (by device id); a row holding every field of its stored one may be merged into it (storage may charge less).
   */
  upsertMany(rows: readonly DeviceJobRecord[], stored?: ReadonlyMap<string, DeviceJobRecord>): Promise<void>;
  listShard(jobId: string, shard: number): Promise<DeviceJobRecord[]>;
  /** One device's row of a job (a point read); `undefined` when absent. */
  get(jobId: string, shard: number, deviceId: string): Promise<DeviceJobRecord | undefined>;
  query(filter: DeviceJobFilter, page: PageRequest): Promise<Page<DeviceJobRecord>>;
  /** Removes every device row of a job. */
  deleteJob(jobId: string): Promise<void>;
}

/**
 * The one gateway to devices, shaped for the job engine: the embedded registry with simulated devices
 * (`shared/devices/simulated`) or a real IoT Hub (`shared/devices/iothub`) implement it, and share one contract
 * suite. Implementations retry throttling themselves. Failures are thrown as errors carrying a string `code`:
 * `DeviceNotFound`, `DeviceNotOnline` (methods), `GatewayTimeout`, `PreconditionFailed` (twin etag),
 * `ArgumentInvalid`, `ThrottlingException` / `ServiceUnavailable` (after retries), `IotHubUnauthorizedAccess`.
 */
export interface JobDeviceGateway {
  /**
   * One page of the ids of the devices matching a WHERE condition (`*` = every device): at most `maxItems` (a page
   * may hold fewer), resumable from the page's `continuation` (absent on the last page) in a later process, so
   * target resolution runs in time-bounded steps. Throws `ArgumentInvalid` for a condition that does not parse.
   */
  resolveTargetsPage(queryCondition: string, page: TargetPageRequest): Promise<TargetPage>;
  /** Invokes a direct method and returns the device's answer (any status the device chose, e.g. 500). */
  /**
   * Invokes the method; `attempt` (1 for the first call of a device in a job) lets simulated devices draw a fresh,
   * still deterministic outcome for a retry.
   */
  invokeMethod(
    deviceId: string,
    method: CloudToDeviceMethod,
    attempt?: number,
  ): Promise<DeviceMethodResponse>;
  /**
   * Merges tags and desired properties into one device's twin (null deletes a key). `patch.etag`, when set, is the
   * If-Match of the update (`PreconditionFailed` when the twin moved on); absent, any version is patched.
   */
  applyTwinPatch(deviceId: string, patch: TwinPatch): Promise<AppliedTwinPatch>;
  /**
   * The twin's tags and desired properties with its etag (a repeated twin step checks whether its patch already
   * applied; a rollback checks that nobody changed what its job wrote, then writes at that etag).
   */
  readTwin(deviceId: string): Promise<ReadTwin>;
  /**
   * The scalar types the fleet's devices hold at a tag path (an index path: `tags.building`, segments lower-cased),
   * read from an index in a few point-sized reads, never by scanning the fleet; undefined when the gateway cannot
   * tell cheaply. Dry runs use it to hint at a constant of the wrong type.
   */
  tagValueTypes?(indexPath: string): Promise<ScalarType[] | undefined>;
  /**
   * What is known in advance of how these devices answer a method (a simulated device's profile), for dry-run
   * estimates; devices the gateway knows nothing of in advance (real ones) are left out. Absent: nothing is known.
   */
  deviceTimings?(
    deviceIds: readonly string[],
    method: { methodName: string; responseTimeoutInSeconds: number } | undefined,
  ): Promise<Map<string, DeviceTiming>>;
  /**
   * Whether a query condition (the body of a WHERE clause) holds on the device's whole twin now, and when a
   * change already due (a simulated device's report of its desired properties) may make it hold: what a job's
   * `completionCondition` reads.
   */
  checkTwinCondition(deviceId: string, condition: string): Promise<TwinConditionCheck>;
}

/** A twin condition's value on one device now. */
export interface TwinConditionCheck {
  holds: boolean;
  /** Epoch ms of a twin change already due (a simulated report), after which the condition may hold. */
  recheckAt?: number;
}

/**
 * A device whose operation succeeded, waiting for the job's `completionCondition` to hold on its twin. It is
 * looked at when its twin changes (the device side marks it met) and at `dueAt` (a due simulated report, or the
 * deadline); never by polling.
 */
export interface CompletionWait {
  jobId: string;
  deviceId: string;
  shard: number;
  condition: string;
  /** ISO instant after which the device fails with `CompletionConditionTimeout`. */
  deadline: string;
  /** ISO instant at which the wait is looked at without a twin change (≤ `deadline`). */
  dueAt: string;
  /** Operations run on the device so far (a timeout that `retryConfig` covers runs it again). */
  attempts: number;
  /** The job's `pausedMs` when the wait began: later pauses move its deadline (absent: 0). */
  pausedMsAtStart?: number;
}

/**
 * Where waiting devices are kept: storage rows (one in the job's partition, filed by `dueAt`, and one in the
 * device's, which twin writers read), never memory or orchestration history.
 */
export interface CompletionWaitRepository {
  /** Starts waits (replacing a device's earlier wait in the same job). */
  add(waits: readonly CompletionWait[]): Promise<void>;
  /** Waits whose device met the condition (the device side marked them), at most `limit`. */
  met(jobId: string, limit: number): Promise<CompletionWait[]>;
  /** Waits due at or before `now` (ISO), earliest first, at most `limit`. */
  due(jobId: string, now: string, limit: number): Promise<CompletionWait[]>;
  /** The earliest `dueAt` of the job's waits; `undefined` when none is left. */
  nextDue(jobId: string): Promise<string | undefined>;
  /** Files a wait again at a later `dueAt` (its condition did not hold yet). */
  refile(wait: CompletionWait, dueAt: string): Promise<void>;
  /** Ends waits (every row of each). */
  remove(waits: readonly CompletionWait[]): Promise<void>;
  /** A device that meets its condition after this wakes the job again (one wake per settle, not per device). */
  clearWake(jobId: string): Promise<void>;
  /** Removes the job's waits (the job ended); device rows left behind expire at their deadline. */
  deleteJob(jobId: string): Promise<void>;
}

export interface TargetPageRequest {
  maxItems: number;
  continuation?: string;
}

export interface TargetPage {
  deviceIds: string[];
  continuation?: string;
}

/** The part of a twin a twin job writes. */
export interface TwinContent {
  tags: JsonObject;
  desired: JsonObject;
}

/** A twin as read: its content and the etag a conditional write names. */
export interface ReadTwin extends TwinContent {
  etag: string;
}

/** The twin after a patch: its new etag and version, and its content right before the patch (for rollback). */
export interface AppliedTwinPatch {
  etag: string;
  version: number;
  /** Tags and desired properties as the write found them (the twin the patch was merged into). */
  previous: TwinContent;
}

/** Only the target resolution of {@link JobDeviceGateway} (and its type hints): what a dry run needs. */
export type JobTargetResolver = Pick<
  JobDeviceGateway,
  'resolveTargetsPage' | 'tagValueTypes' | 'deviceTimings'
>;

/** The latest {@link DurationObservation} per job type, which dry-run estimates are based on. */
export interface DurationObservationRepository {
  latest(type: JobType): Promise<DurationObservation | undefined>;
  record(type: JobType, observation: DurationObservation): Promise<void>;
}

/** Input of the job orchestration; everything it needs, so the orchestrator reads no settings itself. */
export interface JobOrchestrationInput {
  jobId: string;
  /** `targetSelection: continuous`: the job waits for devices to join once its snapshot ran (v4). */
  continuous?: boolean;
  startTime: string;
  maxExecutionTimeInSeconds: number;
  settings: JobSettings;
}

/** Starts and signals job orchestrations (the durable client); the instance id is the job id. */
export interface JobOrchestrationClient {
  /** Starts the job orchestrator (`JOB_ORCHESTRATOR_NAME`) with instance id = `input.jobId` and `input` as its input. */
  start(input: JobOrchestrationInput): Promise<void>;
  /**
   * Raises `JOB_CANCEL_EVENT` on the job's instance. Must not fail when the instance is missing or already finished
   * (the job row is already `cancelled` by then; reconciliation handles orphans).
   */
  raiseCancel(jobId: string): Promise<void>;
  /** Raises `JOB_RESUME_EVENT` (a resumed job's orchestration stops waiting); same tolerance as `raiseCancel`. */
  raiseResume(jobId: string): Promise<void>;
}

/** The time now: the system clock in the app, a manual one in tests. */
export interface Clock {
  now(): Date;
}

/** Stops a timer started by {@link Delays}; calling it again does nothing. */
export type CancelTimer = () => void;

/**
 * How the engine lets time pass: system timers in the app, fakes in unit tests. Code under `shared/jobs` takes
 * every wait from this port (lint bans timers there), so a test decides what a wait costs.
 */
export interface Delays {
  /** Resolves after `ms`. */
  sleep: (ms: number) => Promise<void>;
  /** Calls `fire` once after `ms`, unless cancelled first. */
  after: (ms: number, fire: () => void) => CancelTimer;
  /** Calls `tick` every `ms` until cancelled. */
  every: (ms: number, tick: () => void) => CancelTimer;
}

/** Unique ids (the app's are random UUIDs); code under `shared/jobs` takes every random value from here. */
export interface IdGenerator {
  newId(): string;
}

/** Recurring jobs (`/jobSchedules`). */
export interface JobScheduleRepository {
  get(scheduleId: string): Promise<{ schedule: JobScheduleRecord; etag: string } | undefined>;
  /** Inserts when `etag` is undefined (`ConcurrencyConflictError` if it exists), else replaces if unchanged. */
  save(schedule: JobScheduleRecord, etag: string | undefined): Promise<string>;
  /** Deletes if unchanged since `etag`; throws `ConcurrencyConflictError` otherwise (404 included). */
  delete(scheduleId: string, etag: string): Promise<void>;
  list(page: PageRequest): Promise<Page<JobScheduleRecord>>;
  /** Enabled schedules whose `nextRunTime` is at or before `now`. */
  due(now: Date): Promise<{ schedule: JobScheduleRecord; etag: string }[]>;
  /**
   * Takes or renews the schedule's firing lease for `holder` until `expiresAt`; false while another holder's lease
   * has not expired. One host at a time creates an occurrence's job and moves the schedule on (or deletes it).
   */
  leaseFiring(scheduleId: string, holder: string, expiresAt: Date): Promise<boolean>;
  /** Gives the firing lease up, if `holder` still has it. */
  releaseFiring(scheduleId: string, holder: string): Promise<void>;
}

/**
 * One lease on one resource (a job's engine steps, a schedule's firing): held by one holder until it expires
 * unless renewed, and seen alike by every host (storage keeps it). The engine's `withLease` holds it.
 */
export interface LeaseStore {
  /** Takes or renews the lease for `holder` until `expiresAt`; false while another holder's lease has not expired. */
  take(holder: string, expiresAt: Date): Promise<boolean>;
  /** Gives the lease up, if `holder` still has it. */
  release(holder: string): Promise<void>;
}

/** A job event stored with the change that caused it, until it is published. */
export interface PendingJobEvent {
  jobId: string;
  /** Position in the job's outbox (its `sequence`). */
  sequence: number;
  event: JobCloudEvent;
}

/** The transactional outbox of job events (rows beside the job row, written in the same transaction). */
export interface JobEventOutbox {
  /** The job's unpublished events, in sequence order. */
  pending(jobId: string): Promise<PendingJobEvent[]>;
  /** Removes a published event (a missing one is not an error). */
  remove(jobId: string, sequence: number): Promise<void>;
  /** Jobs with unpublished events (for the sweep after a crash). */
  jobsWithPending(): Promise<string[]>;
}

/** Where job events are published (the Storage queue `JOB_EVENTS_QUEUE`). */
export interface JobEventQueue {
  send(event: JobCloudEvent): Promise<void>;
}

/** An open continuous job as the registry's write path matches it. */
export interface OpenContinuousJob {
  jobId: string;
  queryCondition: string;
}

/**
 * Members of continuous jobs (`targetSelection: continuous`) and the devices that joined them after their start.
 * A device is a member of a job at most once: found by the job's snapshot, or joined later by a registry write.
 */
export interface JobJoinRepository {
  /** Lists the job among the open continuous jobs (idempotent). */
  open(job: OpenContinuousJob): Promise<void>;
  /** Takes the job off the open list and removes its members and queue (idempotent). */
  close(jobId: string): Promise<void>;
  /** Every open continuous job (a short list: one point-sized partition read). */
  listOpen(): Promise<OpenContinuousJob[]>;
  /** Records devices the job's snapshot found, so they never join it again. */
  addSnapshotMembers(jobId: string, deviceIds: readonly string[]): Promise<void>;
  /**
   * Makes each device a member that joined, queued for the job's next step (member and queue row in one
   * transaction); answers the devices that joined, without those that were members already (nothing written).
   */
  joinMany(jobId: string, deviceIds: readonly string[], at: string): Promise<string[]>;
  /**
   * Up to `limit` queued devices that joined (queued devices the snapshot found after all are dropped), oldest
   * member first is not promised.
   */
  queued(jobId: string, limit: number): Promise<string[]>;
  /** Removes devices from the queue once a step stored them as the job's device rows. */
  dequeue(jobId: string, deviceIds: readonly string[]): Promise<void>;
}

/** Wakes a continuous job's orchestration when devices joined it (a queue message per job and write). */
export interface JobJoinSignals {
  send(jobId: string): Promise<void>;
}
