import { dryRunWarnings, type DryRunWarning } from './dry-run-warnings';
import { DEFAULT_OBSERVATION, estimateRunSeconds } from '../core/job-estimate';
import type { JobDefinition } from '../core/job-model';
import type { JobSettings } from '../core/job-settings';
import type { DurationObservationRepository, JobTargetResolver } from '../core/ports';

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
}

/** Devices of one job with a call outstanding at once when the job sets no `maxConcurrency`. */
export function serviceConcurrency(settings: JobSettings): number {
  return settings.maxDevicesInFlight;
}

async function resolveTargets(
  deps: DryRunDependencies,
  definition: JobDefinition,
): Promise<{ count: number; sample: string[] }> {
  if (definition.targets.kind === 'deviceIds') {
    const ids = definition.targets.deviceIds;
    return { count: ids.length, sample: ids.slice(0, DRY_RUN_SAMPLE_SIZE) };
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
    sample.push(...page.deviceIds.slice(0, DRY_RUN_SAMPLE_SIZE - sample.length));
    continuation = page.continuation;
  } while (continuation !== undefined);
  return { count, sample };
}

/** Resolves a validated job's targets and estimates its run time; stores nothing. */
export async function dryRunJob(
  deps: DryRunDependencies,
  definition: JobDefinition,
): Promise<DryRunResponse> {
  const { count, sample } = await resolveTargets(deps, definition);
  const queryCondition = definition.targets.kind === 'query' ? definition.targets.queryCondition : undefined;
  const warnings = await dryRunWarnings(deps.targets, queryCondition, count);
  const observation = (await deps.observations?.latest(definition.type)) ?? DEFAULT_OBSERVATION;
  const concurrency = definition.rolloutConfig?.maxConcurrency ?? serviceConcurrency(deps.settings);
  return {
    jobId: definition.jobId,
    deviceCount: count,
    sampleDeviceIds: sample,
    estimatedDurationInSeconds:
      count === 0
        ? Math.round(observation.overheadSeconds)
        : estimateRunSeconds(
            {
              deviceCount: count,
              concurrency,
              ...(definition.rolloutConfig ? { rollout: definition.rolloutConfig } : {}),
            },
            observation,
          ),
    warnings,
  };
}
