import type { JobControls } from './rollout-config';
import type { EndedWave } from './rollout-wave-model';

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

/** The direct method a method job invokes on every device. */
export interface CloudToDeviceMethod {
  methodName: string;
  /** Any JSON value; `null` when the request carried none. */
  payload: unknown;
  responseTimeoutInSeconds: number;
  connectTimeoutInSeconds: number;
}

/** JSON object as twins hold it. */
export type JsonObject = { [key: string]: unknown };

/** The writable part of a twin, as a twin job applies it to every device. */
export interface TwinPatch {
  tags?: JsonObject;
  properties?: { desired: JsonObject };
  /** A specific etag (never `*`) becomes the If-Match of every device's update. */
  etag?: string;
}

/** How a job selects its devices. */
export type JobTargets =
  { kind: 'query'; queryCondition: string } | { kind: 'deviceIds'; deviceIds: string[] };

/** A validated, normalized job request: one internal model for the GA and the preview vocabularies. */
export interface JobDefinition extends JobControls {
  jobId: string;
  type: JobType;
  /** Present exactly when `type` is `scheduleDeviceMethod`. */
  cloudToDeviceMethod?: CloudToDeviceMethod;
  /** Present exactly when `type` is `scheduleUpdateTwin`. */
  updateTwin?: TwinPatch;
  targets: JobTargets;
  /** ISO-8601 UTC; the request's start time, or the creation time when it had none. */
  startTime: string;
  maxExecutionTimeInSeconds: number;
}

/** Live device counters of a job; `deviceCount` is always the sum of the four others. */
export interface DeviceJobStatistics {
  deviceCount: number;
  failedCount: number;
  succeededCount: number;
  runningCount: number;
  pendingCount: number;
}

/** The last pause or resume of a job: who asked (a policy name, or `wave:<name>`), why and when. */
export interface JobControlAction {
  action: 'pause' | 'resume';
  by: string;
  reason?: string;
  time: string;
}

/** A stored job: its definition (targets by reference) and its lifecycle. */
export interface JobRecord extends JobControls {
  jobId: string;
  type: JobType;
  status: JobStatus;
  cloudToDeviceMethod?: CloudToDeviceMethod;
  updateTwin?: TwinPatch;
  /** Set for query jobs. */
  queryCondition?: string;
  /** Set for `deviceIds` jobs: where the id list is stored and how many ids it holds. */
  deviceIdList?: { listId: string; count: number };
  createdTime: string;
  startTime: string;
  /** When the orchestration actually started running the job (deadlines count from here). */
  runStartedTime?: string;
  endTime?: string;
  maxExecutionTimeInSeconds: number;
  statusMessage?: string;
  failureReason?: string;
  /** The job this one reruns (set by rerun only). */
  parentJobId?: string;
  /** The last pause or resume (absent until the job was first paused). */
  lastControlAction?: JobControlAction;
  /** Gated waves that ended, in order (`rolloutConfig.waves`). */
  endedWaves?: EndedWave[];
  /** Events published so far (the last event's `sequence`). */
  eventSequence?: number;
  /** When the last `DeviceJobs.JobProgress` event was written. */
  lastProgressEventTime?: string;
}

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

/** One device's part of a job, as stored. */
export interface DeviceJobRecord {
  jobId: string;
  deviceId: string;
  jobType: JobType;
  shard: number;
  status: DeviceJobStatus;
  createdDateTimeUtc: string;
  lastUpdatedDateTimeUtc: string;
  startTimeUtc?: string;
  endTimeUtc?: string;
  outcome?: { deviceMethodResponse: DeviceMethodResponse };
  error?: DeviceJobError;
  /** Calls made to the device (more than one when failures were retried). */
  attempts?: number;
}

export function isTerminalDeviceJobStatus(status: DeviceJobStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'canceled';
}
