import type { RegistryJobRepository } from './ports';
import { RegistryJobNotFoundError } from './registry-job-errors';
import { retryOnConflict } from '../iothub-rules';
import {
  isTerminalRegistryJob,
  toRegistryJobResponse,
  type RegistryJobRecord,
  type RegistryJobResponse,
} from './registry-job-model';
import { parseRegistryJobRequest } from './registry-job-request';

/** Starts the durable run of a job (its orchestration), and deletes the history of one that ended. */
export interface RegistryJobRunner {
  start(jobId: string): Promise<void>;
  /** Deletes the job's orchestration history; a missing one is not an error. */
  purge(jobId: string): Promise<void>;
}

export interface RegistryJobsDependencies {
  jobs: RegistryJobRepository;
  runner?: RegistryJobRunner;
  now: () => Date;
  newId: () => string;
}

/** The import/export job use cases behind `POST /jobs/create`, `GET /jobs`, `GET|DELETE /jobs/{jobId}`. */
export interface RegistryJobsService {
  create(body: unknown): Promise<RegistryJobResponse>;
  get(jobId: string): Promise<RegistryJobResponse>;
  list(): Promise<RegistryJobResponse[]>;
  cancel(jobId: string): Promise<RegistryJobResponse>;
  /**
   * Deletes the jobs that ended more than `retentionDays` ago (their orchestration history first, the row last, so
   * an interrupted purge is finished by the next run); answers their ids. The blobs are the caller's and stay.
   */
  purgeExpired(retentionDays: number): Promise<string[]>;
}

const DAY_MS = 24 * 3600 * 1000;

/** The ids this service issues (UUIDs) are table-safe; any other names no job and never reaches storage. */
const ISSUED_ID = /^[A-Za-z0-9-]{1,128}$/;

export function createRegistryJobsService(deps: RegistryJobsDependencies): RegistryJobsService {
  return {
    async create(body) {
      const request = parseRegistryJobRequest(body);
      if (!deps.runner) throw new Error('This function has no durable client: it cannot start jobs.');
      const job: RegistryJobRecord = {
        ...request,
        jobId: deps.newId(),
        status: 'enqueued',
        progress: 0,
        createdTime: deps.now().toISOString(),
      };
      await deps.jobs.insert(job);
      await deps.runner.start(job.jobId);
      return toRegistryJobResponse(job);
    },

    async get(jobId) {
      if (!ISSUED_ID.test(jobId)) throw new RegistryJobNotFoundError(jobId);
      const stored = await deps.jobs.get(jobId);
      if (!stored) throw new RegistryJobNotFoundError(jobId);
      return toRegistryJobResponse(stored.job);
    },

    async list() {
      return (await deps.jobs.list()).map(toRegistryJobResponse);
    },

    async purgeExpired(retentionDays) {
      if (!deps.runner) throw new Error('This function has no durable client: it cannot purge jobs.');
      const cutoff = deps.now().getTime() - retentionDays * DAY_MS;
      const expired = (await deps.jobs.list()).filter(
        (job) => isTerminalRegistryJob(job.status) && Date.parse(job.endTimeUtc ?? job.createdTime) < cutoff,
      );
      for (const job of expired) {
        await deps.runner.purge(job.jobId);
        await deps.jobs.delete(job.jobId);
      }
      return expired.map((job) => job.jobId);
    },

    /**
     * Cancels a job that has not ended (a running step stops after its current chunk: every line it applied
     * stays applied, the export blob is not committed); an ended job is answered as it is.
     */
    async cancel(jobId) {
      if (!ISSUED_ID.test(jobId)) throw new RegistryJobNotFoundError(jobId);
      return retryOnConflict(async () => {
        const stored = await deps.jobs.get(jobId);
        if (!stored) throw new RegistryJobNotFoundError(jobId);
        if (isTerminalRegistryJob(stored.job.status)) return toRegistryJobResponse(stored.job);
        const cancelled: RegistryJobRecord = {
          ...stored.job,
          status: 'cancelled',
          endTimeUtc: deps.now().toISOString(),
          statusMessage: 'Cancelled.',
        };
        await deps.jobs.replace(cancelled, stored.etag);
        return toRegistryJobResponse(cancelled);
      });
    },
  };
}
