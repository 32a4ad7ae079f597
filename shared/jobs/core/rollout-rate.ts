import type { RolloutConfig } from './rollout-config';

/** How far a job's rollout has come: devices started (notified) and devices that succeeded. */
export interface RolloutProgress {
  started: number;
  succeeded: number;
}

/**
 * The start rate allowed now, in devices per minute; `undefined` = no rate limit. With `exponentialRate` the rate
 * is the base rate multiplied by the factor once per `numberOf…Devices` more succeeded (or started) devices,
 * never above `maximumPerMinute`.
 */
export function currentRatePerMinute(rollout: RolloutConfig, progress: RolloutProgress): number | undefined {
  const maximum = rollout.maximumPerMinute;
  if (maximum === undefined) return undefined;
  const ramp = rollout.exponentialRate;
  if (!ramp) return maximum;
  const criteria = ramp.rateIncreaseCriteria;
  const [count, step] =
    'numberOfSucceededDevices' in criteria
      ? [progress.succeeded, criteria.numberOfSucceededDevices]
      : [progress.started, criteria.numberOfNotifiedDevices];
  const increases = Math.floor(count / step);
  return Math.min(maximum, ramp.baseRatePerMinute * ramp.incrementFactor ** increases);
}

/** Seconds between two device starts at the current rate (starts spread evenly); 0 when unlimited. */
export function startIntervalSeconds(rollout: RolloutConfig, progress: RolloutProgress): number {
  const rate = currentRatePerMinute(rollout, progress);
  return rate === undefined ? 0 : 60 / rate;
}
