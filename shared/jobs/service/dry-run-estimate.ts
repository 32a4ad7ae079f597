import { prospectiveShare, type DeviceOperationBudget } from '../core/device-budget';
import {
  CALL_OVERHEAD_SECONDS,
  DEFAULT_OBSERVATION,
  backOffSecondsFor,
  type DeviceCost,
  type DeviceTiming,
  type DurationObservation,
  devicePhaseSeconds,
  expectedDeviceCost,
} from '../core/job-estimate';
import type { DeviceJobRecord, JobDefinition } from '../core/job-model';
import type { DeviceJobRepository, DurationObservationRepository } from '../core/ports';
import { waveSizes } from '../core/rollout-waves';

/** Targets a dry run looks at closely (profiles, history): an even sample of the job's targets, in their order. */
export const ESTIMATE_SAMPLE_SIZE = 500;

/**
 * Sampled devices without a profile whose recent results are read (one storage page each, at most), spread evenly
 * over them: the first devices of a job ran while the service warmed up, so they alone would not stand for the rest.
 */
export const HISTORY_SAMPLE_SIZE = 10;

/** Recent results of a device the estimate reads. */
const HISTORY_ROWS = 10;

/**
 * Least time between two gated waves: the step of a wave ends, the wave is judged, the next step starts. That is
 * an orchestration round trip like a job's start, so under load it is taken as half the observed fixed overhead.
 */
export const WAVE_GAP_SECONDS = 0.5;

/** The observed fixed overhead of a type counts up to this much (a wave or window job can leave a long one). */
export const MAX_OVERHEAD_SECONDS = 10;

/**
 * An even sample of a job's targets, in target order, bounded in size whatever the count: every `stride`-th id,
 * the stride doubling (and every other kept id dropped) whenever the sample would outgrow its bound.
 */
export class TargetSample {
  private stride = 1;
  private seen = 0;
  readonly ids: string[] = [];

  constructor(private readonly size = ESTIMATE_SAMPLE_SIZE) {}

  add(deviceId: string): void {
    if (this.seen % this.stride === 0) {
      this.ids.push(deviceId);
      if (this.ids.length > this.size) {
        const kept = this.ids.filter((_, index) => index % 2 === 0);
        this.ids.splice(0, this.ids.length, ...kept);
        this.stride *= 2;
      }
    }
    this.seen += 1;
  }
}

/**
 * What the dry run knows of its targets' timing before they run: a simulated device's profile (absent for real
 * devices and with DEVICE_GATEWAY=iothub). Device ids the gateway does not know answer a failure at once.
 */
export interface DeviceTimingSource {
  deviceTimings(
    deviceIds: readonly string[],
    method: { methodName: string; responseTimeoutInSeconds: number } | undefined,
  ): Promise<Map<string, DeviceTiming>>;
}

export interface EstimateDependencies {
  timings?: DeviceTimingSource;
  deviceJobs?: Pick<DeviceJobRepository, 'query'>;
  observations?: DurationObservationRepository;
  budget?: DeviceOperationBudget;
}

/** The terms the estimate adds up (each a separate figure, so further waits join as terms of their own). */
export interface EstimateTerms {
  /** The type's fixed cost observed on its last job (start-up, target resolution, settling). */
  overheadSeconds: number;
  /** The devices' calls under concurrency, rate, ramp, budget share and retries, wave after wave. */
  devicePhaseSeconds: number;
  /** Gaps between gated waves (an approval a wave waits for is not included: it is the operator's time). */
  waveGapSeconds: number;
}

export function totalSeconds(terms: EstimateTerms): number {
  return terms.overheadSeconds + terms.devicePhaseSeconds + terms.waveGapSeconds;
}

/** Mean per-call time and failure share of a device's recent finished results; `undefined` without any. */
function timingFromHistory(rows: readonly DeviceJobRecord[]): DeviceTiming | undefined {
  let calls = 0;
  let seconds = 0;
  let failed = 0;
  for (const row of rows) {
    if (!row.startTimeUtc || !row.endTimeUtc || (row.status !== 'completed' && row.status !== 'failed'))
      continue;
    const attempts = Math.max(1, row.attempts ?? 1);
    calls += attempts;
    // The back-offs between its attempts were the service's waits, not the device's answers.
    const took = Math.max(0, Date.parse(row.endTimeUtc) - Date.parse(row.startTimeUtc)) / 1000;
    seconds += Math.max(0, took - backOffSecondsFor(attempts));
    if (row.status === 'failed') failed += 1;
  }
  if (calls === 0) return undefined;
  const counted = rows.filter((row) => row.startTimeUtc && row.endTimeUtc).length;
  return {
    // A result's duration already holds the service's own time per call, which the model adds to every call.
    latencySeconds: Math.max(0, seconds / calls - CALL_OVERHEAD_SECONDS),
    failureRate: counted === 0 ? 0 : failed / counted,
    timeoutRate: 0,
    timeoutSeconds: 0,
  };
}

async function historyTimings(
  deps: EstimateDependencies,
  definition: JobDefinition,
  deviceIds: readonly string[],
): Promise<Map<string, DeviceTiming>> {
  const timings = new Map<string, DeviceTiming>();
  const reader = deps.deviceJobs;
  if (!reader) return timings;
  await Promise.all(
    deviceIds.map(async (deviceId) => {
      const page = await reader.query({ deviceId, jobType: definition.type }, { maxItems: HISTORY_ROWS });
      const timing = timingFromHistory(page.items.filter((row) => row.jobId !== definition.jobId));
      if (timing) timings.set(deviceId, timing);
    }),
  );
  return timings;
}

/**
 * Each sampled device's expected cost: from its profile where it has one, else from its recent results where any
 * were read, else the mean the type's last job observed (which already holds that job's retries).
 */
async function sampledCosts(
  deps: EstimateDependencies,
  definition: JobDefinition,
  sample: readonly string[],
  observation: Pick<DurationObservation, 'meanDeviceSeconds' | 'slowdown'>,
): Promise<DeviceCost[]> {
  const method = definition.cloudToDeviceMethod;
  const profiled =
    method && deps.timings
      ? await deps.timings.deviceTimings(sample, method)
      : new Map<string, DeviceTiming>();
  const unprofiled = evenly(
    sample.filter((id) => !profiled.has(id)),
    HISTORY_SAMPLE_SIZE,
  );
  const read = new Set(unprofiled);
  const observed = await historyTimings(deps, definition, unprofiled);
  const observedTimings = [...observed.values()];
  return sample.map((deviceId) => {
    const ownProfile = profiled.get(deviceId);
    const profile = ownProfile && asTheJobCounts(ownProfile, definition);
    if (profile) {
      // A profile is the device's own pace; the service's pace under its load now comes from its last job. It
      // stretches the calls, not the back-offs between them.
      const cost = expectedDeviceCost(profile, definition.retryConfig);
      const backOff = cost.backOffSeconds ?? 0;
      return { ...cost, seconds: (cost.seconds - backOff) * (observation.slowdown ?? 1) + backOff };
    }
    const timing = observed.get(deviceId);
    if (timing) return expectedDeviceCost(timing, definition.retryConfig);
    // Beyond the history sample, devices without a profile take the mean of the sampled histories.
    if (observedTimings.length > 0 && !read.has(deviceId)) {
      const mean = meanTiming(observedTimings);
      return expectedDeviceCost(mean, definition.retryConfig);
    }
    return { seconds: observation.meanDeviceSeconds, calls: 1 };
  });
}

/**
 * A method's answer with status ≥ 400 fails the device only when the job sets `countMethodErrorsAsFailures` (IoT
 * Hub counts it `completed`): otherwise such an answer ends the device like a success, and no retry follows.
 */
function asTheJobCounts(timing: DeviceTiming, definition: JobDefinition): DeviceTiming {
  return definition.cloudToDeviceMethod && definition.countMethodErrorsAsFailures !== true
    ? { ...timing, failureRate: 0 }
    : timing;
}

/** At most `count` of the ids, evenly spread over them (the first included). */
export function evenly<T>(ids: readonly T[], count: number): T[] {
  if (ids.length <= count) return [...ids];
  const picked: T[] = [];
  for (let index = 0; index < count; index += 1) {
    const id = ids[Math.floor((index * ids.length) / count)];
    if (id !== undefined) picked.push(id);
  }
  return picked;
}

function meanTiming(timings: readonly DeviceTiming[]): DeviceTiming {
  const mean = (pick: (timing: DeviceTiming) => number) =>
    timings.reduce((sum, timing) => sum + pick(timing), 0) / timings.length;
  return {
    latencySeconds: mean((timing) => timing.latencySeconds),
    failureRate: mean((timing) => timing.failureRate),
    timeoutRate: mean((timing) => timing.timeoutRate),
    timeoutSeconds: mean((timing) => timing.timeoutSeconds),
  };
}

/** The job's share of the device-operation budget if it started now (none without a budget). */
async function budgetShare(
  deps: EstimateDependencies,
  definition: JobDefinition,
): Promise<number | undefined> {
  if (!deps.budget) return undefined;
  const running = await deps.budget.running();
  return prospectiveShare(deps.budget.operationsPerSecond, running, definition.jobId, definition.priority);
}

/**
 * Estimates a job's run from its targets: `sample` is an even sample of the `deviceCount` targets in their order
 * (device i takes the cost of the sampled device at its position), run through the job's concurrency, rate, ramp
 * and budget share, wave after wave.
 */
export async function estimateJob(
  deps: EstimateDependencies,
  definition: JobDefinition,
  deviceCount: number,
  sample: readonly string[],
  concurrency: number,
): Promise<EstimateTerms> {
  const observation = (await deps.observations?.latest(definition.type)) ?? DEFAULT_OBSERVATION;
  const overheadSeconds = Math.min(MAX_OVERHEAD_SECONDS, observation.overheadSeconds);
  if (deviceCount === 0 || sample.length === 0) {
    return { overheadSeconds, devicePhaseSeconds: 0, waveGapSeconds: 0 };
  }
  const costs = await sampledCosts(deps, definition, sample, observation);
  const share = await budgetShare(deps, definition);
  const costAt = (index: number): DeviceCost =>
    costs[Math.min(costs.length - 1, Math.floor((index * costs.length) / deviceCount))] ?? {
      seconds: 0,
      calls: 1,
    };
  const rollout = definition.rolloutConfig;
  const waves = rollout?.waves
    ? waveSizes(rollout.waves, deviceCount).filter((size) => size > 0)
    : [deviceCount];
  let phase = 0;
  let offset = 0;
  for (const size of waves) {
    const first = offset;
    phase += devicePhaseSeconds({
      deviceCount: size,
      concurrency,
      ...(rollout ? { rollout } : {}),
      deviceSeconds: (index) => costAt(first + index).seconds,
      calls: (index) => costAt(first + index).calls,
      ...(share === undefined ? {} : { operationsPerSecond: share }),
    });
    offset += size;
  }
  return {
    overheadSeconds,
    devicePhaseSeconds: phase,
    waveGapSeconds: (waves.length - 1) * Math.max(WAVE_GAP_SECONDS, overheadSeconds / 2),
  };
}
