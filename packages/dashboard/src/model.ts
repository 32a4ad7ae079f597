/** The wire shapes the dashboard reads (the public `/jobs/v2` and `devices.jobs` API). */

export type JobStatus = 'queued' | 'scheduled' | 'running' | 'completed' | 'failed' | 'cancelled';
export type DeviceJobStatus = 'pending' | 'scheduled' | 'running' | 'completed' | 'failed' | 'canceled';

export interface DeviceJobStatistics {
  deviceCount: number;
  failedCount: number;
  succeededCount: number;
  runningCount: number;
  pendingCount: number;
}

export interface RolloutConfig {
  maximumPerMinute?: number;
  maxConcurrency?: number;
  exponentialRate?: {
    baseRatePerMinute: number;
    incrementFactor: number;
    rateIncreaseCriteria: { numberOfSucceededDevices?: number; numberOfNotifiedDevices?: number };
  };
}

export type FailureType = 'failed' | 'timedOut' | 'all';

export interface AbortConfig {
  criteriaList: {
    failureType: FailureType;
    action: 'cancel';
    thresholdPercentage: number;
    minNumberOfExecutedDevices: number;
  }[];
}

export interface RetryConfig {
  criteriaList: { failureType: FailureType; numberOfRetries: number }[];
}

export interface Job {
  jobId: string;
  type: string;
  status: JobStatus;
  queryCondition?: string;
  createdTime?: string;
  startTime?: string;
  endTime?: string;
  maxExecutionTimeInSeconds?: number;
  cloudToDeviceMethod?: { methodName: string; payload?: unknown; responseTimeoutInSeconds?: number };
  updateTwin?: unknown;
  failureReason?: string;
  statusMessage?: string;
  deviceJobStatistics: DeviceJobStatistics;
  parentJobId?: string;
  rolloutConfig?: RolloutConfig;
  abortConfig?: AbortConfig;
  retryConfig?: RetryConfig;
}

export interface DeviceJob {
  deviceId: string;
  jobId: string;
  status: DeviceJobStatus;
  startTimeUtc: string | null;
  endTimeUtc: string | null;
  attempts?: number;
  outcome: { deviceMethodResponse?: { status: number; payload: unknown } } | null;
  error: { code: string; description: string } | null;
}

export interface DryRunResult {
  jobId: string;
  deviceCount: number;
  sampleDeviceIds: string[];
  estimatedDurationInSeconds: number;
  /** The service's findings: no device matches, a tag compared with a constant of another type (extension field). */
  warnings?: { code: string; message: string }[];
}

export const ACTIVE_STATUSES: readonly JobStatus[] = ['queued', 'scheduled', 'running'];

export function isActive(job: Pick<Job, 'status'>): boolean {
  return ACTIVE_STATUSES.includes(job.status);
}

export function finishedCount(stats: DeviceJobStatistics): number {
  return stats.succeededCount + stats.failedCount;
}

/** Finished devices in percent of the job's devices, whole numbers; 0 while the targets are unknown. */
export function percentDone(stats: DeviceJobStatistics): number {
  if (stats.deviceCount === 0) return 0;
  return Math.floor((finishedCount(stats) * 100) / stats.deviceCount);
}

export const TYPE_LABELS: Readonly<Record<string, string>> = {
  scheduleDeviceMethod: 'Direct method',
  scheduleUpdateTwin: 'Twin update',
};

/** An import or export job (`GET /jobs`, IoT Hub's JobProperties). */
export interface RegistryJob {
  jobId: string;
  type: 'import' | 'export';
  status: 'enqueued' | 'running' | 'completed' | 'failed' | 'cancelled';
  progress: number;
  deviceCount: number;
  failedCount?: number;
  startTimeUtc?: string;
  endTimeUtc?: string;
  statusMessage?: string;
  failureReason?: string;
}
