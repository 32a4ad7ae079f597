import { type JobEventsDependencies, publishSoon } from '../engine/job-event-publisher';
import { lifecycleEvents } from '../core/job-events';
import { MaxActiveJobsError } from '../core/job-errors';
import { aggregateStatistics } from '../core/job-statistics';
import { initialJobStatus } from '../core/job-lifecycle';
import { carriedJobFields, type JobDefinition, type JobRecord } from '../core/job-model';
import type { JobSettings } from '../core/job-settings';
import type {
  DeviceIdListRepository,
  IdGenerator,
  JobJoinRepository,
  JobOrchestrationClient,
  JobRepository,
} from '../core/ports';

/** What storing and starting a job needs. */
export interface JobCreationDependencies {
  jobs: JobRepository;
  deviceIdLists: DeviceIdListRepository;
  orchestrations: JobOrchestrationClient;
  ids: IdGenerator;
  settings: JobSettings;
  /** Job events (absent or without a queue: none are written). */
  events?: JobEventsDependencies;
  /** Most jobs not yet ended at once (`JOBS_MAX_ACTIVE_JOBS`); absent means no limit. */
  maxActiveJobs?: number;
  /** Where continuous jobs are listed for the registry's write path (required to start one). */
  joins?: JobJoinRepository;
}

/** The job row of a validated definition, before it is stored (targets by reference come later). */
export function newJobRecord(definition: JobDefinition, now: Date, parentJobId?: string): JobRecord {
  const job: JobRecord = {
    jobId: definition.jobId,
    type: definition.type,
    status: initialJobStatus(definition.startTime, now),
    createdTime: now.toISOString(),
    startTime: definition.startTime,
    maxExecutionTimeInSeconds: definition.maxExecutionTimeInSeconds,
  };
  Object.assign(job, carriedJobFields(definition));
  if (definition.targetSelection) job.targetSelection = definition.targetSelection;
  if (definition.targets.kind === 'query') job.queryCondition = definition.targets.queryCondition;
  if (parentJobId !== undefined) job.parentJobId = parentJobId;
  return job;
}

/**
 * Throws {@link MaxActiveJobsError} when as many jobs as allowed have not ended. The count is read before the
 * insert, so creates racing at the limit may pass it by the number in flight (as a check-then-act on a table can).
 */
async function refuseBeyondActiveLimit(deps: JobCreationDependencies): Promise<void> {
  const limit = deps.maxActiveJobs;
  if (limit === undefined) return;
  if ((await deps.jobs.countActive(limit)) >= limit) throw new MaxActiveJobsError(limit);
}

/**
 * Stores a new job (its id list first, under a fresh list id) and starts its orchestration. Nothing stays behind
 * when a step fails: a duplicate id leaves the first job untouched, a failed start removes the row again.
 * Every step is one storage round trip a concurrent burst of creates waits for in turn, so there are as few as
 * can keep that promise: the job row's insert is the existence check, and the events just stored are published
 * without reading them back.
 */
export async function storeAndStartJob(
  deps: JobCreationDependencies,
  definition: JobDefinition,
  now: Date,
  parentJobId?: string,
): Promise<JobRecord> {
  const deviceIds = definition.targets.kind === 'deviceIds' ? definition.targets.deviceIds : undefined;
  return storeAndStartRecord(deps, newJobRecord(definition, now, parentJobId), deviceIds);
}

/** {@link storeAndStartJob} for a job row built otherwise (a rollback), with its id list if it has one. */
export async function storeAndStartRecord(
  deps: JobCreationDependencies,
  job: JobRecord,
  deviceIds?: readonly string[],
): Promise<JobRecord> {
  await refuseBeyondActiveLimit(deps);
  if (deviceIds) {
    // A fresh list id per attempt: a concurrent duplicate create can never overwrite the winner's list.
    const listId = `${job.jobId}|${deps.ids.newId()}`;
    await deps.deviceIdLists.save(listId, deviceIds);
    job.deviceIdList = { listId, count: deviceIds.length };
  }
  const created = deps.events?.queue
    ? lifecycleEvents(undefined, job, aggregateStatistics([]), job.createdTime)
    : { job, events: [] };
  try {
    await deps.jobs.create(created.job, created.events);
  } catch (error: unknown) {
    if (job.deviceIdList) await deps.deviceIdLists.delete(job.deviceIdList.listId);
    throw error;
  }
  const continuous = job.targetSelection === 'continuous';
  try {
    if (continuous) {
      if (!deps.joins) throw new Error('No join storage was composed: continuous jobs cannot start.');
      // Listed before it starts: a device written from now on is matched against it.
      await deps.joins.open({ jobId: job.jobId, queryCondition: job.queryCondition ?? '*' });
    }
    await deps.orchestrations.start({
      jobId: job.jobId,
      startTime: job.startTime,
      maxExecutionTimeInSeconds: job.maxExecutionTimeInSeconds,
      settings: deps.settings,
      ...(continuous ? { continuous } : {}),
    });
  } catch (error: unknown) {
    if (continuous) await deps.joins?.close(job.jobId);
    await deps.jobs.delete(job.jobId);
    if (job.deviceIdList) await deps.deviceIdLists.delete(job.deviceIdList.listId);
    throw error;
  }
  if (deps.events) await publishSoon(deps.events, job.jobId, created.events);
  return created.job;
}
