import type { RetryConfig, RolloutConfig } from './rollout-config';
import { startIntervalSeconds } from './rollout-rate';
import { retriesFor, retryDelayMs } from './rollout-policy';

/** What the service saw on the last finished job of a type: per-device call time and fixed overhead. */
export interface DurationObservation {
  jobId: string;
  observedAt: string;
  /** Mean time from a device's start to its result, in seconds. */
  meanDeviceSeconds: number;
  /** The job's run time not explained by the device phase model (start-up, target resolution, settling). */
  overheadSeconds: number;
  /**
   * How much longer its devices took than their profiles say (observed ÷ expected, ≥ 1): the service's own pace
   * under its load then (absent: not measured, e.g. no simulated devices).
   */
  slowdown?: number;
}

/** Assumed when the service has not yet finished a job of the type. */
export const DEFAULT_OBSERVATION: Pick<DurationObservation, 'meanDeviceSeconds' | 'overheadSeconds'> = {
  meanDeviceSeconds: 1,
  overheadSeconds: 2,
};

/**
 * How one device answers a call, as far as it is known before the job runs: from its simulation profile, or from
 * its results in recent jobs. Rates are per call; a retry draws afresh.
 */
export interface DeviceTiming {
  /** Mean seconds of a call the device answers. */
  latencySeconds: number;
  /** Share of calls the device answers with a failure (status ≥ 400): failure type `failed`. */
  failureRate: number;
  /** Share of calls that time out or find the device offline: failure type `timedOut`. */
  timeoutRate: number;
  /** Seconds such a call takes (0 for an offline device, the response timeout for a slow one). */
  timeoutSeconds: number;
}

/** A device's expected cost in a job: seconds from its start to its final result, and calls made (attempts). */
export interface DeviceCost {
  seconds: number;
  calls: number;
  /**
   * The part of `seconds` spent waiting out retry back-offs: timers, which the service's load does not stretch
   * as it stretches calls (absent: none).
   */
  backOffSeconds?: number;
}

/** Time the service adds to every call (storage writes, scheduling), beyond the device's own latency. */
export const CALL_OVERHEAD_SECONDS = 0.004;

/** Seconds a call of a device with this timing takes on average (timeouts included). */
export function callSeconds(timing: DeviceTiming): number {
  const timeout = Math.min(1, Math.max(0, timing.timeoutRate));
  return timeout * timing.timeoutSeconds + (1 - timeout) * timing.latencySeconds + CALL_OVERHEAD_SECONDS;
}

/** Seconds of back-off a device waits between `attempts` calls. */
export function backOffSecondsFor(attempts: number): number {
  let seconds = 0;
  for (let retry = 1; retry < attempts; retry += 1) seconds += retryDelayMs(retry) / 1000;
  return seconds;
}

/**
 * The expected cost of a device under the job's retry rules: attempt n+1 follows a failure of attempt n whose
 * type still has retries, after the back-off of retry n; every attempt costs the device's call time.
 */
export function expectedDeviceCost(timing: DeviceTiming, retryConfig?: RetryConfig): DeviceCost {
  const retriesOfFailed = retriesFor(retryConfig, { code: 'DeviceMethodFailed', description: '' });
  const retriesOfTimedOut = retriesFor(retryConfig, { code: 'GatewayTimeout', description: '' });
  const timeout = Math.min(1, Math.max(0, timing.timeoutRate));
  const failure = Math.min(1 - timeout, Math.max(0, timing.failureRate));
  const perCall = callSeconds(timing);
  let reach = 1;
  let calls = 0;
  let backOffSeconds = 0;
  for (let attempt = 1; reach > 1e-9; attempt += 1) {
    calls += reach;
    const retried = (attempt <= retriesOfTimedOut ? timeout : 0) + (attempt <= retriesOfFailed ? failure : 0);
    reach *= retried;
    if (reach > 0) backOffSeconds += reach * (retryDelayMs(attempt) / 1000);
  }
  return { seconds: calls * perCall + backOffSeconds, calls, backOffSeconds };
}

export interface DevicePhaseInput {
  deviceCount: number;
  /** Devices with a call outstanding at once (the job's maxConcurrency or the service-wide limit). */
  concurrency: number;
  rollout?: RolloutConfig;
  /** Seconds each device takes: one figure for all, or device i's (in target order). */
  deviceSeconds: number | ((index: number) => number);
  /** Calls device i makes (attempts; default 1): what the device-operation budget counts. */
  calls?: (index: number) => number;
  /** The job's share of the device-operation budget (calls per second); absent: unlimited. */
  operationsPerSecond?: number;
}

/** A binary min-heap of numbers (device end times). */
class MinHeap {
  private readonly items: number[] = [];
  get size(): number {
    return this.items.length;
  }
  peek(): number | undefined {
    return this.items[0];
  }
  push(value: number): void {
    const items = this.items;
    items.push(value);
    let index = items.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if ((items[parent] ?? 0) <= value) break;
      items[index] = items[parent] ?? 0;
      index = parent;
    }
    items[index] = value;
  }
  pop(): number | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child = right < items.length && (items[right] ?? 0) < (items[left] ?? 0) ? right : left;
      if ((items[child] ?? 0) >= last) break;
      items[index] = items[child] ?? 0;
      index = child;
    }
    items[index] = last;
    return top;
  }
}

/**
 * Seconds from the first device start to the last device result: device i starts once a concurrency slot is free
 * (the earliest outstanding device ended), the rate allows it (one start every 60 / rate seconds, the rate ramping
 * as devices are notified or succeed) and the budget share allows its calls.
 */
export function devicePhaseSeconds(input: DevicePhaseInput): number {
  const { deviceCount } = input;
  if (deviceCount <= 0) return 0;
  const secondsOf =
    typeof input.deviceSeconds === 'number'
      ? (
          (seconds) => () =>
            seconds
        )(input.deviceSeconds)
      : input.deviceSeconds;
  const concurrency = Math.max(1, Math.min(input.concurrency, deviceCount));
  const outstanding = new MinHeap();
  const unended = new MinHeap();
  let ended = 0;
  let previous = 0;
  let budgetFree = 0;
  let last = 0;
  for (let index = 0; index < deviceCount; index += 1) {
    let start = previous;
    if (index > 0) {
      while (unended.size > 0 && (unended.peek() ?? 0) <= previous) {
        unended.pop();
        ended += 1;
      }
      const interval = input.rollout
        ? startIntervalSeconds(input.rollout, { started: index, succeeded: ended })
        : 0;
      start = previous + interval;
    }
    if (outstanding.size >= concurrency) start = Math.max(start, outstanding.pop() ?? 0);
    if (input.operationsPerSecond !== undefined) {
      start = Math.max(start, budgetFree);
      budgetFree = start + (input.calls?.(index) ?? 1) / input.operationsPerSecond;
    }
    const end = start + secondsOf(index);
    outstanding.push(end);
    unended.push(end);
    last = Math.max(last, end);
    previous = start;
  }
  return last;
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
 * time minus its device phase (as measured when the run recorded it, else as the model says it took).
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
  /** The device phase as it happened (first start to last result), when known: then it is not modelled. */
  phaseSeconds?: number;
}): DurationObservation | undefined {
  const { deviceCount, meanDeviceSeconds } = input;
  if (deviceCount === 0 || !Number.isFinite(meanDeviceSeconds) || meanDeviceSeconds < 0) return undefined;
  const phase =
    input.phaseSeconds ??
    devicePhaseSeconds({
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
