/**
 * The wire shapes of the device jobs API (IoT Hub's jobs v2 vocabulary, exact field names, plus the rollout, abort
 * and retry extensions): what clients send and what the service answers. The service types its answers with them.
 */

/** The two kinds of job, in the GA vocabulary of the IoT Hub jobs API. */
export type JobType = 'scheduleDeviceMethod' | 'scheduleUpdateTwin';

export const JOB_TYPES: readonly JobType[] = ['scheduleDeviceMethod', 'scheduleUpdateTwin'];

/**
 * Job lifecycle states, spelled as IoT Hub answers them (`cancelled` with double l). `paused` is this service's
 * own (pause and resume, gated waves): IoT Hub has no such state.
 */
export type JobStatus = 'queued' | 'scheduled' | 'running' | 'paused' | 'completed' | 'failed' | 'cancelled';

export const JOB_STATUSES: readonly JobStatus[] = [
  'queued',
  'scheduled',
  'running',
  'paused',
  'completed',
  'failed',
  'cancelled',
];

/** Per-device result states (`canceled` with one l, as IoT Hub spells DeviceJob statuses). */
export type DeviceJobStatus = 'pending' | 'scheduled' | 'running' | 'completed' | 'failed' | 'canceled';

export const DEVICE_JOB_STATUSES: readonly DeviceJobStatus[] = [
  'pending',
  'scheduled',
  'running',
  'completed',
  'failed',
  'canceled',
];

/** JSON object as twins hold it. */
export type JsonObject = { [key: string]: unknown };

/** The direct method a method job invokes on every device. */
export interface CloudToDeviceMethod {
  methodName: string;
  /** Any JSON value; `null` when the request carried none. */
  payload: unknown;
  responseTimeoutInSeconds: number;
  connectTimeoutInSeconds: number;
}

/** The writable part of a twin, as a twin job applies it to every device. */
export interface TwinPatch {
  tags?: JsonObject;
  properties?: { desired: JsonObject };
  /** A specific etag (never `*`) becomes the If-Match of every device's update. */
  etag?: string;
}

/** Live device counters of a job; `deviceCount` is always the sum of the four others. */
export interface DeviceJobStatistics {
  deviceCount: number;
  failedCount: number;
  succeededCount: number;
  runningCount: number;
  pendingCount: number;
}

/** Which device failures a criterion counts: `timedOut` = no answer in time or not connected, `failed` = the rest. */
export type FailureType = 'failed' | 'timedOut' | 'all';

export const FAILURE_TYPES: readonly FailureType[] = ['failed', 'timedOut', 'all'];

/** What raises the rate of an exponential rollout: every N more succeeded, or N more started devices. */
export type RateIncreaseCriteria = { numberOfSucceededDevices: number } | { numberOfNotifiedDevices: number };

export interface ExponentialRate {
  baseRatePerMinute: number;
  incrementFactor: number;
  rateIncreaseCriteria: RateIncreaseCriteria;
}

/** One gated wave of `rolloutConfig.waves`: its size (a count or a share of the targets), its bar, what follows. */
export interface WaveConfig {
  name: string;
  deviceCount?: number;
  devicePercentage?: number;
  successThresholdPercentage: number;
  then: 'continue' | 'pause';
}

/** A wave as job responses show it (`waveStatistics`). */
export interface WaveStatistics {
  name: string;
  deviceCount: number;
  succeededCount: number;
  failedCount: number;
  state: 'pending' | 'running' | 'passed' | 'failed';
}

/** How fast a job starts its devices (all optional; absent = as fast as the service's concurrency allows). */
export interface RolloutConfig {
  maximumPerMinute?: number;
  exponentialRate?: ExponentialRate;
  maxConcurrency?: number;
  /** Gated waves, in target order (the devices after them form a last wave). */
  waves?: WaveConfig[];
}

export interface AbortCriterion {
  failureType: FailureType;
  /** `rollback` (twin jobs): the abort also starts `<jobId>-rollback`, restoring what the job overwrote. */
  action: 'cancel' | 'rollback';
  thresholdPercentage: number;
  minNumberOfExecutedDevices: number;
}

export interface AbortConfig {
  criteriaList: AbortCriterion[];
}

export interface RetryCriterion {
  failureType: FailureType;
  numberOfRetries: number;
}

export interface RetryConfig {
  criteriaList: RetryCriterion[];
}

/** A recurring maintenance window: it opens at each occurrence of `schedule` and stays open `durationInMinutes`. */
export interface MaintenanceWindow {
  /** NCRONTAB, six fields: `{second} {minute} {hour} {day} {month} {day-of-week}`, read in `timeZone`. */
  schedule: string;
  /** 1–1440. */
  durationInMinutes: number;
}

/**
 * When a job may start devices: only inside one of its maintenance windows. At a window's end, `stopRollout` lets
 * calls in flight finish and waits for the next window; `cancel` cancels the job.
 */
export interface SchedulingConfig {
  /** IANA time zone the schedules are read in (`UTC` when the request had none). */
  timeZone: string;
  /** 1–10 windows. */
  maintenanceWindows: MaintenanceWindow[];
  /** `stopRollout` when the request had none. */
  endBehavior: 'stopRollout' | 'cancel';
}

/** How a query job selects devices: once at its start (`snapshot`), or also those that come to match later. */
export type TargetSelection = 'snapshot' | 'continuous';

/**
 * When a device's part of a job counts as done (extension): after its operation succeeded, once `condition` (a
 * query condition, the body of a WHERE clause, on the device's twin) holds; `failed` with error code
 * `CompletionConditionTimeout` when it does not within `timeoutInSeconds` (1..86,400).
 */
export interface CompletionCondition {
  condition: string;
  timeoutInSeconds: number;
}

/** Least and greatest `priority` of a job; absent means {@link DEFAULT_JOB_PRIORITY}. */
export const MIN_JOB_PRIORITY = 1;
export const MAX_JOB_PRIORITY = 10;
export const DEFAULT_JOB_PRIORITY = 5;

/** The rollout, abort, retry, counting and budget controls of a job (each absent when the request had none). */
export interface JobControls {
  rolloutConfig?: RolloutConfig;
  /**
   * The job's weight in the service-wide device-operation budget (`JOBS_DEVICE_OPERATIONS_PER_SECOND`): running
   * jobs share it in proportion to their priorities. 1–10, absent = 5.
   */
  priority?: number;
  abortConfig?: AbortConfig;
  retryConfig?: RetryConfig;
  completionCondition?: CompletionCondition;
  /**
   * Extension of method jobs: a device that answered the method with a status ≥ 400 counts as `failed`
   * (`DeviceMethodFailed`, its answer kept in `outcome`), so abort criteria, retries and wave thresholds see it.
   * Absent or false: IoT Hub's counting, where every call the device answered is `completed`.
   */
  countMethodErrorsAsFailures?: boolean;
  /** Maintenance windows (extension). */
  schedulingConfig?: SchedulingConfig;
  /** `continuous`: devices that come to match the query later join the running job (extension; query jobs). */
  targetSelection?: TargetSelection;
}

/** The last pause or resume of a job: who asked (a policy name, or `wave:<name>`), why and when. */
export interface JobControlAction {
  action: 'pause' | 'resume';
  by: string;
  reason?: string;
  time: string;
}

/** A job as the API answers it (GA vocabulary, exact field names), with the controls it echoes. */
export interface JobResponse extends JobControls {
  jobId: string;
  type: JobType;
  status: JobStatus;
  queryCondition?: string;
  createdTime: string;
  startTime: string;
  endTime?: string;
  maxExecutionTimeInSeconds: number;
  cloudToDeviceMethod?: CloudToDeviceMethod;
  updateTwin?: TwinPatch;
  failureReason?: string;
  statusMessage?: string;
  deviceJobStatistics: DeviceJobStatistics;
  parentJobId?: string;
  /**
   * A rollback job: the twin job whose overwritten values it restores (extension; equals `parentJobId`). It has
   * no `updateTwin`: each device gets back what that job overwrote on it.
   */
  rollbackOf?: string;
  /** The latest rollback job started for this twin job (extension; absent until one was). */
  rollbackJobId?: string;
  /** The last pause or resume: who, why, when (extension; absent until the job was first paused). */
  lastControlAction?: JobControlAction;
  /** Each gated wave, the last (unlisted) one included, with its live counts (extension; jobs with waves). */
  waveStatistics?: WaveStatistics[];
  /** While the job waits outside its maintenance windows: when the next one opens (extension). */
  nextWindowStart?: string;
}

/** What a device answered to a direct method. */
export interface DeviceMethodResponse {
  status: number;
  payload: unknown;
}

/** Why a device's part of the job failed. */
export interface DeviceJobError {
  code: string;
  description: string;
}

/** One device's result as `SELECT * FROM devices.jobs` answers it. */
export interface DeviceJobResponse {
  deviceId: string;
  jobId: string;
  jobType: JobType;
  status: DeviceJobStatus;
  startTimeUtc: string | null;
  endTimeUtc: string | null;
  createdDateTimeUtc: string;
  lastUpdatedDateTimeUtc: string;
  /** Always an object, as IoT Hub's query-language page shows (`deviceMethodResponse: null` for twin jobs). */
  outcome: { deviceMethodResponse: DeviceMethodResponse | null };
  error: DeviceJobError | null;
  /** Calls made to the device (0 until it starts; more than 1 when failures were retried). Always answered. */
  attempts?: number;
  /**
   * Extension: the device's operation succeeded and it waits (status `running`) for the job's
   * `completionCondition` until this instant.
   */
  waitingUntil?: string;
}

/** What a job does to every device, whom it targets and its controls: the body of a job without id and start. */
export interface JobTemplate extends JobControls {
  type: JobType;
  cloudToDeviceMethod?: {
    methodName: string;
    payload: unknown;
    responseTimeoutInSeconds?: number;
    connectTimeoutInSeconds?: number;
  };
  updateTwin?: Record<string, unknown>;
  queryCondition?: string;
  deviceIds?: string[];
  maxExecutionTimeInSeconds?: number;
}

/** The body of `PUT /jobs/v2/{jobId}`. */
export interface JobRequest extends JobTemplate {
  jobId: string;
  startTime?: string;
}

/** The answer of `PUT /jobs/v2/{jobId}?dryRun=true`. */
export interface DryRunResponse {
  jobId: string;
  deviceCount: number;
  sampleDeviceIds: string[];
  estimatedDurationInSeconds: number;
  /** No device matches; a tag compared with a constant of a type no device holds there (absent from older services). */
  warnings?: { code: string; message: string }[];
}

/** The body of `POST /jobs/v2/{jobId}/rerun`. */
export interface RerunRequest {
  jobId: string;
  deviceStatuses: string[];
  startTime?: string;
}

/** The body of `POST /jobs/v2/{jobId}/rollback` (absent `jobId`: `<jobId>-rollback`). */
export interface RollbackRequest {
  jobId?: string;
}

/** The body of `PUT /jobSchedules/{scheduleId}`. */
export interface ScheduleRequest {
  schedule: string;
  timeZone?: string;
  enabled?: boolean;
  jobTemplate: JobTemplate;
}

/** A recurring job as `/jobSchedules` answers it. */
export interface JobScheduleResponse {
  scheduleId: string;
  schedule: string;
  timeZone: string;
  enabled: boolean;
  jobTemplate: JobTemplate;
  createdTime: string;
  lastUpdatedTime: string;
  nextRunTime: string | null;
  lastJobId?: string;
  lastRunTime?: string;
}

/** One entry of the bulk registry call `POST /devices`, with the embedded registry's extension fields. */
export interface BulkDeviceEntry {
  id: string;
  importMode: 'create';
  status: 'enabled';
  tags?: Record<string, unknown>;
  /** The embedded registry's simulation profile of the device (its shape is the simulator's). */
  simulation?: object;
}

/** The answer of `POST /devices`. */
export interface BulkRegistryResult {
  isSuccessful: boolean;
  errors: { deviceId: string; errorCode: string; errorStatus: string }[];
  warnings: unknown[];
}

/** The kinds of bulk registry job (IoT Hub's `JobProperties.type` for `POST /jobs/create`). */
export type RegistryJobType = 'export' | 'import';

/** IoT Hub's import/export job statuses (`queued` is IoT Hub's synonym of `enqueued`, never answered here). */
export type RegistryJobStatus = 'enqueued' | 'running' | 'completed' | 'failed' | 'cancelled';

/** How the job reaches the blob containers: a SAS in the URIs, or the app's own storage identity. */
export type StorageAuthenticationType = 'keyBased' | 'identityBased';

/** The body of `POST /jobs/create` (IoT Hub's JobProperties of an import or export job). */
export interface RegistryJobRequest {
  type: RegistryJobType;
  outputBlobContainerUri: string;
  inputBlobContainerUri?: string;
  inputBlobName?: string;
  outputBlobName?: string;
  excludeKeysInExport?: boolean;
  storageAuthenticationType?: StorageAuthenticationType;
}

/** IoT Hub's `JobProperties` as answered by `/jobs/create`, `/jobs` and `/jobs/{id}`. */
export interface RegistryJobResponse {
  jobId: string;
  type: RegistryJobType;
  status: RegistryJobStatus;
  progress: number;
  startTimeUtc?: string;
  endTimeUtc?: string;
  inputBlobContainerUri?: string;
  inputBlobName?: string;
  outputBlobContainerUri: string;
  outputBlobName?: string;
  excludeKeysInExport?: boolean;
  storageAuthenticationType: StorageAuthenticationType;
  identity?: { userAssignedIdentity: string };
  failureReason?: string;
  statusMessage?: string;
  /** Extension: devices written (export) or lines applied (import) so far, and lines that failed. */
  deviceCount: number;
  failedCount?: number;
}

/**
 * The columns of a device twin (`SELECT * FROM devices`) that operator tools list: `deviceKind` `real` (an
 * extension) marks a device a real client has connected as; simulated devices have none.
 */
export interface DeviceTwinSummary {
  deviceId: string;
  status?: 'enabled' | 'disabled';
  connectionState?: 'Connected' | 'Disconnected';
  lastActivityTime?: string;
  deviceKind?: 'real';
}
