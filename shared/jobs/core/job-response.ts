import type * as Wire from '@device-jobs/client/contract';
import type { DeviceJobRecord, DeviceJobStatistics, JobRecord } from './job-model';
import { waveStatistics } from './rollout-waves';

/** The answers' shapes are the contract's (@device-jobs/client); this module maps stored records onto them. */
export type { DeviceJobResponse, JobResponse } from '@device-jobs/client/contract';

export function toJobResponse(job: JobRecord, deviceJobStatistics: DeviceJobStatistics): Wire.JobResponse {
  const response: Wire.JobResponse = {
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
  if (job.rollbackOf !== undefined) response.rollbackOf = job.rollbackOf;
  if (job.rollbackJobId !== undefined) response.rollbackJobId = job.rollbackJobId;
  if (job.rolloutConfig) response.rolloutConfig = job.rolloutConfig;
  if (job.abortConfig) response.abortConfig = job.abortConfig;
  if (job.retryConfig) response.retryConfig = job.retryConfig;
  if (job.completionCondition) response.completionCondition = job.completionCondition;
  if (job.priority !== undefined) response.priority = job.priority;
  if (job.countMethodErrorsAsFailures !== undefined)
    response.countMethodErrorsAsFailures = job.countMethodErrorsAsFailures;
  if (job.lastControlAction) response.lastControlAction = job.lastControlAction;
  if (job.schedulingConfig) response.schedulingConfig = job.schedulingConfig;
  if (job.targetSelection) response.targetSelection = job.targetSelection;
  if (job.nextWindowStart !== undefined && (job.status === 'running' || job.status === 'paused')) {
    response.nextWindowStart = job.nextWindowStart;
  }
  const waves = job.rolloutConfig?.waves;
  if (waves) {
    const end = job.endTime === undefined ? undefined : job.status === 'completed' ? 'completed' : 'stopped';
    response.waveStatistics = waveStatistics(waves, job.endedWaves ?? [], deviceJobStatistics, end);
  }
  return response;
}

export function toDeviceJobResponse(record: DeviceJobRecord): Wire.DeviceJobResponse {
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
    ...(record.waitingUntil !== undefined ? { waitingUntil: record.waitingUntil } : {}),
  };
}
