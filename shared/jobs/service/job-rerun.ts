import type { CronParser } from '../core/job-schedule-model';
import { JobNotFinishedError, JobNotFoundError, JobValidationError } from '../core/job-errors';
import { isTerminalJobStatus } from '../core/job-lifecycle';
import type { DeviceJobStatus, JobDefinition, JobRecord } from '../core/job-model';
import { carriedJobFields } from '../core/job-model';
import { type ConditionParser, normalizeJobRequest } from '../core/job-request-validation';
import { assertJobId } from '../core/name-rules';
import { parseJobField } from '../core/rollout-config';
import { RerunBodySchema } from '../../schemas/job-control.schema';
import type { DeviceIdListRepository, DeviceJobRepository, JobRepository } from '../core/ports';

export interface RerunDependencies {
  jobs: JobRepository;
  deviceIdLists: DeviceIdListRepository;
  deviceJobs: DeviceJobRepository;
  parseCondition?: ConditionParser;
  parseCron?: CronParser;
}

const READ_PAGE = 1000;

async function devicesInStatuses(
  deviceJobs: DeviceJobRepository,
  jobId: string,
  statuses: readonly DeviceJobStatus[],
): Promise<string[]> {
  const ids = new Set<string>();
  for (const status of statuses) {
    let continuationToken: string | undefined;
    do {
      const page = await deviceJobs.query(
        { jobId, status },
        continuationToken ? { maxItems: READ_PAGE, continuationToken } : { maxItems: READ_PAGE },
      );
      for (const row of page.items) ids.add(row.deviceId);
      continuationToken = page.continuationToken;
    } while (continuationToken);
  }
  return [...ids].sort();
}

/** The parent's definition as a JobRequest body, targeting `deviceIds` instead of the parent's targets. */
function childRequest(parent: JobRecord, deviceIds: string[], startTime: unknown): Record<string, unknown> {
  return {
    type: parent.type,
    deviceIds,
    maxExecutionTimeInSeconds: parent.maxExecutionTimeInSeconds,
    startTime: startTime ?? null,
    ...carriedJobFields(parent),
  };
}

/**
 * Validates a rerun request (`{ jobId, deviceStatuses, startTime? }`) of an ended job and answers the new job's
 * definition: the parent's type, method or patch, controls and maximum execution time, targeting exactly the
 * parent's devices whose result is in `deviceStatuses`.
 */
export async function rerunDefinition(
  deps: RerunDependencies,
  parentJobId: string,
  body: unknown,
  now: Date,
): Promise<JobDefinition> {
  assertJobId('jobId of the URL', parentJobId);
  const { jobId, deviceStatuses: statuses, startTime } = parseJobField(RerunBodySchema, body, '');
  const stored = await deps.jobs.get(parentJobId);
  if (!stored) throw new JobNotFoundError(parentJobId);
  const parent = stored.job;
  if (parent.rollbackOf !== undefined) {
    // Its devices' patches are the values another job overwrote, read when it resolves them: no body to repeat.
    throw new JobValidationError(
      'jobId of the URL',
      `'${parentJobId}' is a rollback job and cannot be rerun: roll back '${parent.rollbackOf}' again ` +
        '(devices already restored then fail with RollbackConflict)',
    );
  }
  if (!isTerminalJobStatus(parent.status) || parent.endTime === undefined) {
    throw new JobNotFinishedError(parentJobId, parent.status);
  }
  const deviceIds = await devicesInStatuses(deps.deviceJobs, parentJobId, statuses);
  if (deviceIds.length === 0) {
    throw new JobValidationError(
      'deviceStatuses',
      `no device of job '${parentJobId}' ended ${statuses.join(' or ')}`,
    );
  }
  return normalizeJobRequest(childRequest(parent, deviceIds, startTime), {
    urlJobId: jobId,
    now,
    ...(deps.parseCondition ? { parseCondition: deps.parseCondition } : {}),
    ...(deps.parseCron ? { parseCron: deps.parseCron } : {}),
  });
}
