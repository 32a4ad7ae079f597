import type { RolloutConfig } from './rollout-config';
import { startIntervalSeconds } from './rollout-rate';

/** What the service saw on the last finished job of a type: per-device call time and fixed overhead. */
export interface DurationObservation {
  jobId: string;
  observedAt: string;
  /** Mean time from a device's start to its result, in seconds. */
  meanDeviceSeconds: number;
  /** The job's run time not explained by the device phase model (start-up, target resolution, settling). */
  overheadSeconds: number;
}

/** Assumed when the service has not yet finished a job of the type. */
export const DEFAULT_OBSERVATION: Pick<DurationObservation, 'meanDeviceSeconds' | 'overheadSeconds'> = {
  meanDeviceSeconds: 1,
  overheadSeconds: 2,
};

export interface DevicePhaseInput {
  deviceCount: number;
  /** Devices with a call outstanding at once (the job's maxConcurrency or the service-wide limit). */
  concurrency: number;
  rollout?: RolloutConfig;
  deviceSeconds: number;
}

/**
 * Seconds from the first device start to the last device result, assuming every device takes `deviceSeconds`
 * and succeeds: device i starts once a concurrency slot is free (device i − concurrency finished) and the rate
 * allows it (one start every 60 / rate seconds, the rate ramping as devices are notified or succeed).
 */
export function devicePhaseSeconds(input: DevicePhaseInput): number {
  const { deviceCount, deviceSeconds } = input;
  if (deviceCount <= 0) return 0;
  const concurrency = Math.max(1, Math.min(input.concurrency, deviceCount));
  const starts = new Float64Array(deviceCount);
  let succeeded = 0;
  for (let index = 0; index < deviceCount; index += 1) {
    if (index === 0) continue;
    const previous = starts[index - 1] ?? 0;
    while (succeeded < index && (starts[succeeded] ?? 0) + deviceSeconds <= previous) succeeded += 1;
    const interval = input.rollout ? startIntervalSeconds(input.rollout, { started: index, succeeded }) : 0;
    const slotFree = index >= concurrency ? (starts[index - concurrency] ?? 0) + deviceSeconds : 0;
    starts[index] = Math.max(previous + interval, slotFree);
  }
  return (starts[deviceCount - 1] ?? 0) + deviceSeconds;
}

/** The dry run's estimate: the recent fixed overhead plus the modelled device phase, in whole seconds (≥ 1). */
export function estimateRunSeconds(
  input: Omit<DevicePhaseInput, 'deviceSeconds'>,
  observation: Pick<DurationObservation, 'meanDeviceSeconds' | 'overheadSeconds'> = DEFAULT_OBSERVATION,
): number {
  const phase = devicePhaseSeconds({ ...input, deviceSeconds: observation.meanDeviceSeconds });
  return Math.max(1, Math.round(observation.overheadSeconds + phase));
}

/**
 * Calibrates the model on a finished job: its mean device time as measured, and its overhead = the actual run
 * time minus what the model says the device phase took.
 */
export function observeFinishedJob(input: {
  jobId: string;
  observedAt: string;
  runSeconds: number;
  /** Devices whose call ran, and their mean call duration. */
  deviceCount: number;
  meanDeviceSeconds: number;
  concurrency: number;
  rollout?: RolloutConfig;
}): DurationObservation | undefined {
  const { deviceCount, meanDeviceSeconds } = input;
  if (deviceCount === 0 || !Number.isFinite(meanDeviceSeconds) || meanDeviceSeconds < 0) return undefined;
  const phase = devicePhaseSeconds({
    deviceCount,
    concurrency: input.concurrency,
    deviceSeconds: meanDeviceSeconds,
    ...(input.rollout ? { rollout: input.rollout } : {}),
  });
  return {
    jobId: input.jobId,
    observedAt: input.observedAt,
    meanDeviceSeconds,
    overheadSeconds: Math.max(0, input.runSeconds - phase),
  };
}
