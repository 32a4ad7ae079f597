/**
 * The wire shapes the CLI sends and reads. Answers of the jobs API come from the service's own wire types (type-only
 * imports: nothing of the server is loaded at run time); the request bodies are the CLI's view of the public API.
 */
import type {
  DeviceJobResponse as ServiceDeviceJobResponse,
  JobResponse as ServiceJobResponse,
} from '../../../shared/jobs/job-response';
import type { JobStatus, JobType } from '../../../shared/jobs/job-model';
import type { JobScheduleResponse } from '../../../shared/jobs/job-schedule-model';
import type {
  AbortConfig,
  FailureType,
  RetryConfig,
  RolloutConfig,
} from '../../../shared/jobs/rollout-config';

import type { RegistryJobResponse } from '../../../shared/registry-jobs/registry-job-model';

export type { AbortConfig, FailureType, JobStatus, JobType, RegistryJobResponse, RetryConfig, RolloutConfig };

/** The body of `POST /jobs/create` (IoT Hub's JobProperties of an import or export job). */
export interface RegistryJobRequest {
  type: 'export' | 'import';
  outputBlobContainerUri: string;
  inputBlobContainerUri?: string;
  excludeKeysInExport?: boolean;
  storageAuthenticationType?: 'keyBased' | 'identityBased';
}

/** What a job does to every device, whom it targets and its controls: the body of a job without id and start. */
export interface JobTemplate {
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
  rolloutConfig?: RolloutConfig;
  abortConfig?: AbortConfig;
  retryConfig?: RetryConfig;
}

/** A job as the service answers it, with the rollout extension fields it echoes. */
export type JobResponse = ServiceJobResponse &
  Pick<JobTemplate, 'rolloutConfig' | 'abortConfig' | 'retryConfig'>;

/** One device's result in a job; `attempts` counts the calls made when the job retries. */
export type DeviceJobResponse = ServiceDeviceJobResponse & { attempts?: number };

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

/** The body of `PUT /jobSchedules/{scheduleId}`. */
export interface ScheduleRequest {
  schedule: string;
  timeZone?: string;
  enabled?: boolean;
  jobTemplate: JobTemplate;
}

/** A recurring job as `/jobSchedules` answers it, its template in the CLI's view. */
export type ScheduleResponse = Omit<JobScheduleResponse, 'jobTemplate'> & { jobTemplate: JobTemplate };

/** One entry of the bulk registry call `POST /devices`, with the embedded registry's extension fields. */
export interface BulkDeviceEntry {
  id: string;
  importMode: 'create';
  status: 'enabled';
  tags?: Record<string, unknown>;
  simulation?: Record<string, unknown>;
}

/** The answer of `POST /devices`. */
export interface BulkRegistryResult {
  isSuccessful: boolean;
  errors: { deviceId: string; errorCode: string; errorStatus: string }[];
  warnings: unknown[];
}
