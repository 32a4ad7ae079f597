import type {
  CloudToDeviceMethod,
  DeviceJobError,
  JobControlAction,
  DeviceJobRecord,
  DeviceJobStatistics,
  DeviceJobStatus,
  DeviceMethodResponse,
  JobRecord,
  JobStatus,
  JobType,
  JsonObject,
} from './job-model';
import type { AbortConfig, RetryConfig, RolloutConfig } from './rollout-config';
import { type WaveStatistics, waveStatistics } from './rollout-waves';

/** A job as the IoT Hub jobs API answers it (GA vocabulary, exact field names). */
export interface JobResponse {
  jobId: string;
  type: JobType;
  status: JobStatus;
  queryCondition?: string;
  createdTime: string;
  startTime: string;
  endTime?: string;
  maxExecutionTimeInSeconds: number;
  cloudToDeviceMethod?: CloudToDeviceMethod;
  updateTwin?: { tags?: JsonObject; properties?: { desired: JsonObject }; etag?: string };
  failureReason?: string;
  statusMessage?: string;
  deviceJobStatistics: DeviceJobStatistics;
  parentJobId?: string;
  rolloutConfig?: RolloutConfig;
  abortConfig?: AbortConfig;
  retryConfig?: RetryConfig;
  /** The last pause or resume: who, why, when (extension; absent until the job was first paused). */
  lastControlAction?: JobControlAction;
  /** Each gated wave, the last (unlisted) one included, with its live counts (extension; jobs with waves). */
  waveStatistics?: WaveStatistics[];
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
}

export function toJobResponse(job: JobRecord, deviceJobStatistics: DeviceJobStatistics): JobResponse {
  const response: JobResponse = {
    jobId: job.jobId,
    type: job.type,
    status: job.status,
    createdTime: job.createdTime,
    startTime: job.startTime,
    maxExecutionTimeInSeconds: job.maxExecutionTimeInSeconds,
    deviceJobStatistics,
  };
  if (job.queryCondition !== undefined) response.queryCondition = job.queryCondition;
  if (job.endTime !== undefined) response.endTime = job.endTime;
  if (job.cloudToDeviceMethod) response.cloudToDeviceMethod = job.cloudToDeviceMethod;
  if (job.updateTwin) response.updateTwin = job.updateTwin;
  if (job.failureReason !== undefined) response.failureReason = job.failureReason;
  if (job.statusMessage !== undefined) response.statusMessage = job.statusMessage;
  if (job.parentJobId !== undefined) response.parentJobId = job.parentJobId;
  if (job.rolloutConfig) response.rolloutConfig = job.rolloutConfig;
  if (job.abortConfig) response.abortConfig = job.abortConfig;
  if (job.retryConfig) response.retryConfig = job.retryConfig;
  if (job.lastControlAction) response.lastControlAction = job.lastControlAction;
  const waves = job.rolloutConfig?.waves;
  if (waves) {
    const end = job.endTime === undefined ? undefined : job.status === 'completed' ? 'completed' : 'stopped';
    response.waveStatistics = waveStatistics(waves, job.endedWaves ?? [], deviceJobStatistics, end);
  }
  return response;
}

export function toDeviceJobResponse(record: DeviceJobRecord): DeviceJobResponse {
  return {
    deviceId: record.deviceId,
    jobId: record.jobId,
    jobType: record.jobType,
    status: record.status,
    startTimeUtc: record.startTimeUtc ?? null,
    endTimeUtc: record.endTimeUtc ?? null,
    createdDateTimeUtc: record.createdDateTimeUtc,
    lastUpdatedDateTimeUtc: record.lastUpdatedDateTimeUtc,
    outcome: { deviceMethodResponse: record.outcome?.deviceMethodResponse ?? null },
    error: record.error ?? null,
    attempts: record.attempts ?? (record.startTimeUtc ? 1 : 0),
  };
}
