import { type DurationObservation, observeFinishedJob } from './job-estimate';
import type { JobRecord } from './job-model';

/** What a job's runs saw of its device calls, summed across run steps (it travels in the run cursor). */
export interface DeviceCallSummary {
  /** Devices whose call ran. */
  count: number;
  /** Their call durations, added up. */
  seconds: number;
  /** Most calls outstanding at once. */
  peakInFlight: number;
}

/** Calibrates the dry-run model on a job that just ended; `undefined` when no device ran. */
export function observationOf(
  job: JobRecord,
  calls: DeviceCallSummary | undefined,
  endTime: string,
): DurationObservation | undefined {
  if (!calls || calls.count === 0 || !job.runStartedTime) return undefined;
  return observeFinishedJob({
    jobId: job.jobId,
    observedAt: endTime,
    runSeconds: (Date.parse(endTime) - Date.parse(job.runStartedTime)) / 1000,
    deviceCount: calls.count,
    meanDeviceSeconds: calls.seconds / calls.count,
    concurrency: Math.max(1, calls.peakInFlight),
    ...(job.rolloutConfig ? { rollout: job.rolloutConfig } : {}),
  });
}
