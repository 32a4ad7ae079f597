import {
  CONTINUATION_REFUSED,
  openContinuation,
  sealContinuation,
  type Page,
  type PageRequest,
  type RawPaging,
  retryOnConflict,
} from '../../iothub-rules';
import type { Query } from '../../query';
import { planDeviceJobQuery, planParsedDeviceJobQuery, runDeviceJobQuery } from './device-jobs-query';
import { assertJobId } from '../core/name-rules';
import { JobAlreadyExistsError, JobNotFoundError, JobValidationError } from '../core/job-errors';
import { isTerminalJobStatus } from '../core/job-lifecycle';
import { aggregateStatistics } from '../core/job-statistics';
import type { JobRecord } from '../core/job-model';
import type { CronParser } from '../core/job-schedule-model';
import { type ConditionParser, normalizeJobRequest } from '../core/job-request-validation';
import { parseJobField } from '../core/rollout-config';
import { pageRequestOf } from '../../schemas/paging.schema';
import { JobStatusFilterSchema, JobTypeFilterSchema } from '../../schemas/query-parameters.schema';
import { type DeviceJobResponse, type JobResponse, toJobResponse } from '../core/job-response';
import type {
  Clock,
  DeviceJobRepository,
  DurationObservationRepository,
  JobFilter,
  JobTargetResolver,
} from '../core/ports';
import { type DryRunResponse, dryRunJob } from './job-dry-run';
import type { DeviceOperationBudget } from '../core/device-budget';
import { rerunDefinition } from './job-rerun';
import { type JobCreationDependencies, storeAndStartJob } from './job-creation';
import { type JobControlCommand, parseControlBody, pauseJob, resumeJob } from './job-pause';
import { type RollbackJobCommand, rollbackJob, startAbortRollback } from './job-rollback';

/** Ports and settings the job use cases work with. */
export interface JobsServiceDependencies extends JobCreationDependencies {
  deviceJobs: DeviceJobRepository;
  clock: Clock;
  /** Defaults to the query language's parser. */
  parseCondition?: ConditionParser;
  /** NCRONTAB in a time zone: reads `schedulingConfig` (maintenance windows). */
  parseCron?: CronParser;
  /** Resolves a dry run's query targets (the device gateway). */
  targets?: JobTargetResolver;
  /** Recent device latency and overhead, for dry-run estimates. */
  observations?: DurationObservationRepository;
  /** The shared device-operation budget (dry-run estimates count the job's share). */
  budget?: DeviceOperationBudget;
}

export interface CreateJobCommand {
  /** The `{jobId}` of `PUT /jobs/v2/{jobId}`. */
  jobId: string;
  /** The parsed JSON body of the request. */
  body: unknown;
}

export interface RerunJobCommand {
  /** The parent job (the URL's `{jobId}`). */
  jobId: string;
  /** The parsed JSON body `{ jobId, deviceStatuses, startTime? }`. */
  body: unknown;
}

/** Query-string filters and paging of `GET /jobs/v2/query`, raw as received. */
export interface QueryJobsCommand {
  jobType?: string;
  jobStatus?: string;
  /** `x-ms-max-item-count` header or `pageSize` query parameter. */
  maxItemCount?: string | number;
  /** `x-ms-continuation` header or `continuationToken` query parameter. */
  continuationToken?: string;
}

/** A `SELECT * FROM devices.jobs …` query of `POST /devices/query`, parsed once by the dispatcher (or as text). */
export type QueryDeviceJobsCommand = { query: Query | string } & RawPaging;

/** The use cases behind the `/jobs/v2` API and `SELECT * FROM devices.jobs`. */
export interface JobsService {
  createJob(command: CreateJobCommand): Promise<JobResponse>;
  getJob(jobId: string): Promise<JobResponse>;
  cancelJob(jobId: string): Promise<JobResponse>;
  queryJobs(command: QueryJobsCommand): Promise<Page<JobResponse>>;
  queryDeviceJobs(command: QueryDeviceJobsCommand): Promise<Page<DeviceJobResponse>>;
  /** Validates as `createJob` does and resolves the targets, storing nothing (`?dryRun=true`). */
  dryRunJob(command: CreateJobCommand): Promise<DryRunResponse>;
  /** `POST /jobs/v2/{jobId}/rerun`: a new job over the ended parent's devices in the given statuses. */
  rerunJob(command: RerunJobCommand): Promise<JobResponse>;
  /** `POST /jobs/v2/{jobId}/pause`: a running job starts no more devices until resumed (409 unless running). */
  pauseJob(command: JobControlCommand): Promise<JobResponse>;
  /** `POST /jobs/v2/{jobId}/resume`: a paused job goes on (409 unless paused). */
  resumeJob(command: JobControlCommand): Promise<JobResponse>;
  /** `POST /jobs/v2/{jobId}/rollback`: a twin job restoring what the job's patch overwrote (cancels it first). */
  rollbackJob(command: RollbackJobCommand): Promise<JobResponse>;
  /** Starts `<jobId>-rollback` after an abort criterion with `action: rollback` failed the job; idempotent. */
  startAbortRollback(jobId: string): Promise<void>;
}

export function createJobsService(deps: JobsServiceDependencies): JobsService {
  const respond = async (job: JobRecord) => toJobResponse(job, await deps.jobs.getStatistics(job.jobId));
  // A job just stored has no device counters yet: its answer needs no second read. IoT Hub answers every create
  // with `queued` (clients assert it); a job starting later reads as `scheduled` from then on.
  const respondCreated = (job: JobRecord) => ({
    ...toJobResponse(job, aggregateStatistics([])),
    ...(job.status === 'scheduled' ? { status: 'queued' as const } : {}),
  });

  return {
    async createJob({ jobId, body }) {
      const now = deps.clock.now();
      const definition = normalizeJobRequest(body, {
        urlJobId: jobId,
        now,
        parseCondition: deps.parseCondition,
        parseCron: deps.parseCron,
      });
      return respondCreated(await storeAndStartJob(deps, definition, now));
    },

    async dryRunJob({ jobId, body }) {
      const definition = normalizeJobRequest(body, {
        urlJobId: jobId,
        now: deps.clock.now(),
        parseCondition: deps.parseCondition,
        parseCron: deps.parseCron,
      });
      if (await deps.jobs.get(definition.jobId)) throw new JobAlreadyExistsError(definition.jobId);
      return dryRunJob(deps, definition);
    },

    async rerunJob({ jobId, body }) {
      const now = deps.clock.now();
      const definition = await rerunDefinition(deps, jobId, body, now);
      return respondCreated(await storeAndStartJob(deps, definition, now, jobId));
    },

    async rollbackJob(command) {
      return respondCreated(await rollbackJob(deps, command, deps.clock.now()));
    },

    startAbortRollback: (jobId) => startAbortRollback(deps, jobId, deps.clock.now()),

    async pauseJob(command) {
      assertJobId('jobId', command.jobId);
      const { reason } = parseControlBody(command.body);
      return respond(await pauseJob(deps, { ...command, ...(reason ? { reason } : {}) }, deps.clock.now()));
    },

    async resumeJob(command) {
      assertJobId('jobId', command.jobId);
      const { reason } = parseControlBody(command.body);
      return respond(await resumeJob(deps, { ...command, ...(reason ? { reason } : {}) }, deps.clock.now()));
    },

    async getJob(jobId) {
      assertJobId('jobId', jobId);
      const stored = await deps.jobs.getWithStatistics(jobId);
      if (!stored) throw new JobNotFoundError(jobId);
      return toJobResponse(stored.job, stored.statistics);
    },

    async cancelJob(jobId) {
      assertJobId('jobId', jobId);
      return retryOnConflict(async () => {
        const stored = await deps.jobs.get(jobId);
        if (!stored) throw new JobNotFoundError(jobId);
        if (isTerminalJobStatus(stored.job.status)) return respond(stored.job);
        const cancelled: JobRecord = {
          ...stored.job,
          status: 'cancelled',
          statusMessage: 'Cancelled on request.',
        };
        await deps.jobs.update(cancelled, stored.etag);
        await deps.orchestrations.raiseCancel(jobId);
        return respond(cancelled);
      });
    },

    async queryJobs(command) {
      const filter: JobFilter = {};
      const type = parseJobField(JobTypeFilterSchema, command.jobType, 'jobType');
      if (type) filter.type = type;
      const status = parseJobField(JobStatusFilterSchema, command.jobStatus, 'jobStatus');
      if (status) filter.status = status;
      const page = await deps.jobs.query(filter, pageRequest(command, JOBS_LISTING));
      return sealed(await Promise.all(page.items.map(respond)), page.continuationToken, JOBS_LISTING);
    },

    async queryDeviceJobs(command) {
      const paging = pageRequest(command, DEVICE_JOBS_LISTING);
      const plan =
        typeof command.query === 'string'
          ? planDeviceJobQuery(command.query)
          : planParsedDeviceJobQuery(command.query);
      const page = await runDeviceJobQuery(deps.deviceJobs, plan, paging);
      return sealed(page.items, page.continuationToken, DEVICE_JOBS_LISTING);
    },
  };
}

/** The listings whose continuation tokens the use cases issue (a token of one is refused by the other). */
const JOBS_LISTING = 'jobs';
const DEVICE_JOBS_LISTING = 'devices.jobs';

/** Seals the store's position into a token only this listing accepts back. */
export function sealed<T>(items: T[], storeToken: string | undefined, listing: string): Page<T> {
  return storeToken ? { items, continuationToken: sealContinuation(listing, storeToken) } : { items };
}

/** Validates the page size (absent = 100, at most 1000) and opens the continuation token this listing issued. */
export function pageRequest(raw: RawPaging, listing: string): PageRequest {
  const page = pageRequestOf(raw);
  if ('problem' in page) throw new JobValidationError('pageSize', page.problem);
  if (page.continuationToken === undefined) return page;
  const opened = openContinuation(listing, page.continuationToken);
  if (typeof opened?.position !== 'string') {
    throw new JobValidationError('continuationToken', CONTINUATION_REFUSED);
  }
  return { maxItems: page.maxItems, continuationToken: opened.position };
}
