import type * as Wire from '@device-jobs/client/contract';
import type { JobControls } from './rollout-config';
import type { EndedWave } from './rollout-wave-model';
import type { OverwrittenValue } from './twin-overwritten';
// The wire vocabulary is the contract's (@device-jobs/client/contract): defined once, loaded from there.
export type {
  CloudToDeviceMethod,
  DeviceJobError,
  DeviceJobStatistics,
  DeviceJobStatus,
  DeviceMethodResponse,
  JobControlAction,
  JobStatus,
  JobType,
  JsonObject,
  TwinPatch,
} from '@device-jobs/client/contract';

export { DEVICE_JOB_STATUSES, JOB_STATUSES, JOB_TYPES } from '@device-jobs/client/contract';

/** How a job selects its devices. */
export type JobTargets =
  { kind: 'query'; queryCondition: string } | { kind: 'deviceIds'; deviceIds: string[] };

/** A validated, normalized job request: one internal model for the GA and the preview vocabularies. */
export interface JobDefinition extends JobControls {
  jobId: string;
  type: Wire.JobType;
  /** Present exactly when `type` is `scheduleDeviceMethod`. */
  cloudToDeviceMethod?: Wire.CloudToDeviceMethod;
  /** Present exactly when `type` is `scheduleUpdateTwin`. */
  updateTwin?: Wire.TwinPatch;
  targets: JobTargets;
  /** ISO-8601 UTC; the request's start time, or the creation time when it had none. */
  startTime: string;
  maxExecutionTimeInSeconds: number;
}

/**
 * A job's operation and optional controls as they travel with it: from a definition into its stored record, and from
 * a record into the request of its rerun. (`targetSelection` is not among them: a rerun targets listed devices.)
 */
const CARRIED_JOB_FIELDS = [
  'cloudToDeviceMethod',
  'updateTwin',
  'rolloutConfig',
  'abortConfig',
  'retryConfig',
  'schedulingConfig',
  'completionCondition',
  'priority',
  'countMethodErrorsAsFailures',
] as const satisfies readonly (keyof JobDefinition & keyof JobRecord)[];

export type CarriedJobFields = Pick<JobDefinition, (typeof CARRIED_JOB_FIELDS)[number]>;

/** The fields of `job` that a new record or a rerun carries over, each only when it is set. */
export function carriedJobFields(job: CarriedJobFields): CarriedJobFields {
  const carried: Record<string, unknown> = {};
  for (const field of CARRIED_JOB_FIELDS) {
    if (job[field] !== undefined && job[field] !== null) carried[field] = job[field];
  }
  return carried;
}

/** A stored job: its definition (targets by reference) and its lifecycle. */
export interface JobRecord extends JobControls {
  jobId: string;
  type: Wire.JobType;
  status: Wire.JobStatus;
  cloudToDeviceMethod?: Wire.CloudToDeviceMethod;
  updateTwin?: Wire.TwinPatch;
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
  /** The job this one reruns or rolls back. */
  parentJobId?: string;
  /**
   * Set on a rollback job: the twin job whose overwritten values it restores (= `parentJobId`). Such a job has no
   * `updateTwin` of its own: each device gets back what the parent overwrote there.
   */
  rollbackOf?: string;
  /** The latest rollback job started for this job. */
  rollbackJobId?: string;
  /** The last pause or resume (absent until the job was first paused). */
  lastControlAction?: Wire.JobControlAction;
  /**
   * Milliseconds the job spent paused before its current pause (added at each resume). A completion wait's
   * timeout does not run while the job is paused: its deadline moves by the pauses since it began.
   */
  pausedMs?: number;
  /** While the job waits outside its maintenance windows: when the next one opens. */
  nextWindowStart?: string;
  /** Gated waves that ended, in order (`rolloutConfig.waves`). */
  endedWaves?: EndedWave[];
  /** Events published so far (the last event's `sequence`). */
  eventSequence?: number;
  /** When the last `DeviceJobs.JobProgress` event was written. */
  lastProgressEventTime?: string;
}

/** One device's part of a job, as stored. */
export interface DeviceJobRecord {
  jobId: string;
  deviceId: string;
  jobType: Wire.JobType;
  shard: number;
  status: Wire.DeviceJobStatus;
  createdDateTimeUtc: string;
  lastUpdatedDateTimeUtc: string;
  startTimeUtc?: string;
  endTimeUtc?: string;
  outcome?: { deviceMethodResponse: Wire.DeviceMethodResponse };
  error?: Wire.DeviceJobError;
  /** Calls made to the device (more than one when failures were retried). */
  attempts?: number;
  /** Twin jobs: the values this job's patch overwrote on the device, captured by the write that applied it. */
  overwritten?: OverwrittenValue[];
  /** Rollback jobs: the values to restore (the parent's `overwritten` of this device), copied at resolution. */
  restore?: OverwrittenValue[];
  /**
   * Set while the device's operation succeeded and it waits for the job's `completionCondition` (status
   * `running`): the instant its wait times out.
   */
  waitingUntil?: string;
}

export function isTerminalDeviceJobStatus(status: Wire.DeviceJobStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'canceled';
}
