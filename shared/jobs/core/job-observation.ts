import { type DurationObservation, backOffSecondsFor, callSeconds, observeFinishedJob } from './job-estimate';
import type { DeviceJobRecord, JobRecord } from './job-model';
import type { JobDeviceGateway } from './ports';

/** What a job's runs saw of its device calls, summed across run steps (it travels in the run cursor). */
export interface DeviceCallSummary {
  /** Devices whose call ran. */
  count: number;
  /** Their call durations, added up. */
  seconds: number;
  /** Most calls outstanding at once. */
  peakInFlight: number;
  /** Epoch ms of the first device start and the last device result (the device phase as it happened). */
  firstStartMs?: number;
  lastEndMs?: number;
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
    // From when the job was due (its creation, or its scheduled start): the orchestration's start-up counts too.
    runSeconds:
      (Date.parse(endTime) - Math.max(Date.parse(job.createdTime), Date.parse(job.startTime))) / 1000,
    deviceCount: calls.count,
    meanDeviceSeconds: calls.seconds / calls.count,
    concurrency: Math.max(1, calls.peakInFlight),
    ...(job.rolloutConfig ? { rollout: job.rolloutConfig } : {}),
    ...(calls.firstStartMs !== undefined && calls.lastEndMs !== undefined
      ? { phaseSeconds: (calls.lastEndMs - calls.firstStartMs) / 1000 }
      : {}),
  });
}

/** Devices of a finished job whose profile and result are compared (one shard's rows: one storage read). */
export const SLOWDOWN_SAMPLE_SIZE = 100;

/**
 * How much longer a method job's simulated devices' calls took than their profiles say: Σ observed ÷ Σ expected
 * over a sample of its finished rows, each expected for the attempts it actually made (so retries drawn are not
 * noise) and each without its back-offs (timers the load does not stretch), within 1..10. `undefined` when the
 * gateway knows no profile (real devices, IoT Hub) or no row ran.
 */
export async function slowdownOf(
  gateway: Pick<JobDeviceGateway, 'deviceTimings'>,
  job: JobRecord,
  rows: readonly DeviceJobRecord[],
): Promise<number | undefined> {
  const method = job.cloudToDeviceMethod;
  if (!method || !gateway.deviceTimings) return undefined;
  const ran = rows.filter((row) => row.startTimeUtc && row.endTimeUtc).slice(0, SLOWDOWN_SAMPLE_SIZE);
  const timings = await gateway.deviceTimings(
    ran.map((row) => row.deviceId),
    method,
  );
  let observed = 0;
  let expected = 0;
  for (const row of ran) {
    const timing = timings.get(row.deviceId);
    if (!timing) continue;
    const attempts = Math.max(1, row.attempts ?? 1);
    const took = (Date.parse(row.endTimeUtc ?? '') - Date.parse(row.startTimeUtc ?? '')) / 1000;
    observed += Math.max(0, took - backOffSecondsFor(attempts));
    expected += attempts * callSeconds(timing);
  }
  if (expected <= 0 || observed <= 0) return undefined;
  return Math.min(10, Math.max(1, observed / expected));
}

/**
 * The observation a dry run reads next: the service's pace figures (fixed overhead, slowdown) averaged with the
 * previous job's, so one job run at an odd moment moves them half way, not all the way; the mean device time is the
 * last job's (it stands for that job's kind of devices).
 */
export function blendedObservation(
  previous: DurationObservation | undefined,
  next: DurationObservation,
): DurationObservation {
  if (!previous) return next;
  const blended: DurationObservation = {
    ...next,
    overheadSeconds: (previous.overheadSeconds + next.overheadSeconds) / 2,
  };
  const slowdowns = [previous.slowdown, next.slowdown].filter((value) => value !== undefined);
  if (slowdowns.length > 0)
    blended.slowdown = slowdowns.reduce((sum, value) => sum + value, 0) / slowdowns.length;
  return blended;
}
