import type { DeviceJobResponse, JobResponse } from '@device-jobs/client';
import type { DeviceJobRecord, DeviceJobStatistics, JobRecord } from './job-model';

/** The answers' shapes are the contract's (@device-jobs/client); this module maps stored records onto them. */
export type { DeviceJobResponse, JobResponse };

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
    outcome: record.outcome ?? null,
    error: record.error ?? null,
    attempts: record.attempts ?? (record.startTimeUtc ? 1 : 0),
  };
}
