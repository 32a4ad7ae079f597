import { dryRunWarnings, type DryRunWarning } from './dry-run-warnings';
import type { DeviceOperationBudget } from '../core/device-budget';
import { type DeviceTimingSource, TargetSample, estimateJob, totalSeconds } from './dry-run-estimate';
import type { JobDefinition } from '../core/job-model';
import type { JobSettings } from '../core/job-settings';
import type { CronParser } from '../core/job-schedule-model';
import { withWindowWaits } from '../core/job-estimate-windows';
import type { DeviceJobRepository, DurationObservationRepository, JobTargetResolver } from '../core/ports';

/** The answer of `PUT /jobs/v2/{jobId}?dryRun=true`. */
export interface DryRunResponse {
  jobId: string;
  deviceCount: number;
  /** The first (at most 10) target ids, in the order the job would run them. */
  sampleDeviceIds: string[];
  estimatedDurationInSeconds: number;
  /**
   * An extension field: what would make the job do nothing or less than meant (no device matches; a tag compared
   * with a constant of a type no device holds there). Empty when nothing was found.
   */
  warnings: DryRunWarning[];
}

export const DRY_RUN_SAMPLE_SIZE = 10;

export interface DryRunDependencies {
  settings: JobSettings;
  targets?: JobTargetResolver;
  observations?: DurationObservationRepository;
  /** NCRONTAB in a time zone: the waits between a job's maintenance windows. */
  parseCron?: CronParser;
  /** Recent results of the targets (devices without a simulation profile are estimated from them). */
  deviceJobs?: Pick<DeviceJobRepository, 'query'>;
  /** The shared device-operation budget: a job's share of it bounds its calls a second. */
  budget?: DeviceOperationBudget;
}

/** Devices of one job with a call outstanding at once when the job sets no `maxConcurrency`. */
export function serviceConcurrency(settings: JobSettings): number {
  return settings.maxDevicesInFlight;
}

async function resolveTargets(
  deps: DryRunDependencies,
  definition: JobDefinition,
): Promise<{ count: number; sample: string[]; spread: TargetSample }> {
  const spread = new TargetSample();
  if (definition.targets.kind === 'deviceIds') {
    const ids = definition.targets.deviceIds;
    for (const id of ids) spread.add(id);
    return { count: ids.length, sample: ids.slice(0, DRY_RUN_SAMPLE_SIZE), spread };
  }
  if (!deps.targets) throw new Error('A dry run of a query job needs the device gateway.');
  // Page by page, in the order the job's own resolution takes them.
  let count = 0;
  const sample: string[] = [];
  let continuation: string | undefined;
  do {
    const page = await deps.targets.resolveTargetsPage(
      definition.targets.queryCondition,
      continuation === undefined ? { maxItems: 1000 } : { maxItems: 1000, continuation },
    );
    count += page.deviceIds.length;
    for (const id of page.deviceIds) spread.add(id);
    sample.push(...page.deviceIds.slice(0, DRY_RUN_SAMPLE_SIZE - sample.length));
    continuation = page.continuation;
  } while (continuation !== undefined);
  return { count, sample, spread };
}

/** The gateway's knowledge of its devices' timing, if it has any. */
function timingSource(targets: JobTargetResolver | undefined): { timings?: DeviceTimingSource } {
  const read = targets?.deviceTimings?.bind(targets);
  return read ? { timings: { deviceTimings: read } } : {};
}

/** Resolves a validated job's targets and estimates its run time; stores nothing. */
export async function dryRunJob(
  deps: DryRunDependencies,
  definition: JobDefinition,
): Promise<DryRunResponse> {
  const { count, sample, spread } = await resolveTargets(deps, definition);
  const queryCondition = definition.targets.kind === 'query' ? definition.targets.queryCondition : undefined;
  const warnings = await dryRunWarnings(deps.targets, queryCondition, count);
  const concurrency = definition.rolloutConfig?.maxConcurrency ?? serviceConcurrency(deps.settings);
  const terms = await estimateJob(
    {
      ...timingSource(deps.targets),
      ...(deps.deviceJobs ? { deviceJobs: deps.deviceJobs } : {}),
      ...(deps.observations ? { observations: deps.observations } : {}),
      ...(deps.budget ? { budget: deps.budget } : {}),
    },
    definition,
    count,
    spread.ids,
    concurrency,
  );
  return {
    jobId: definition.jobId,
    deviceCount: count,
    sampleDeviceIds: sample,
    estimatedDurationInSeconds: withWindowWaits(
      definition,
      Math.max(count === 0 ? 0 : 1, Math.round(totalSeconds(terms))),
      deps.parseCron,
    ),
    warnings,
  };
}
