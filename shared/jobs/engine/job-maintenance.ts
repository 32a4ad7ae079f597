import type { JobExecutionDependencies } from './job-execution';
import { finalizeJob } from './job-finalize';
import type { JobRecord, JobStatus } from '../core/job-model';
import type { JobSettings } from '../core/job-settings';
import type { JobOrchestrationClient } from '../core/ports';

/** Runtime status of a durable orchestration instance, as the durable client reports it. */
export type OrchestrationRuntimeStatus =
  'Pending' | 'Running' | 'Completed' | 'ContinuedAsNew' | 'Failed' | 'Terminated' | 'Suspended';

/** What the maintenance timers need from the durable client, beyond starting and signalling. */
export interface JobOrchestrationAdmin {
  /** The status of the job's orchestration instance; `undefined` when no such instance exists. */
  getStatus(jobId: string): Promise<OrchestrationRuntimeStatus | undefined>;
  /** Deletes the instance's history; a missing instance is not an error. */
  purge(jobId: string): Promise<void>;
}

/** Ports of the retention and reconciliation timers. */
export type JobMaintenanceDependencies = Omit<JobExecutionDependencies, 'gateway'> & {
  orchestrations: JobOrchestrationClient;
  admin: JobOrchestrationAdmin;
  settings: JobSettings;
};

export const DEFAULT_RETENTION_DAYS = 30;
const DAY_MS = 24 * 3600 * 1000;
const LIVE: readonly OrchestrationRuntimeStatus[] = ['Pending', 'Running', 'ContinuedAsNew', 'Suspended'];

async function forEachJob(
  deps: JobMaintenanceDependencies,
  statuses: readonly JobStatus[],
  visit: (job: JobRecord) => Promise<void>,
): Promise<void> {
  for (const status of statuses) {
    let continuationToken: string | undefined;
    do {
      const page = await deps.jobs.query(
        { status },
        continuationToken ? { maxItems: 100, continuationToken } : { maxItems: 100 },
      );
      for (const job of page.items) await visit(job);
      continuationToken = page.continuationToken;
    } while (continuationToken);
  }
}

/**
 * Deletes finished jobs whose end lies more than `retentionDays` back: device rows, id list, orchestration history,
 * then the job row last (so an interrupted purge is finished by the next run). Returns the purged job ids.
 */
export async function purgeExpiredJobs(
  deps: JobMaintenanceDependencies,
  retentionDays: number = DEFAULT_RETENTION_DAYS,
): Promise<string[]> {
  const cutoff = deps.clock.now().getTime() - retentionDays * DAY_MS;
  const purged: string[] = [];
  await forEachJob(deps, ['completed', 'failed', 'cancelled'], async (job) => {
    const ended = Date.parse(job.endTime ?? job.createdTime);
    if (ended >= cutoff) return;
    await deps.deviceJobs.deleteJob(job.jobId);
    if (job.deviceIdList) await deps.deviceIdLists.delete(job.deviceIdList.listId);
    await deps.admin.purge(job.jobId);
    await deps.jobs.delete(job.jobId);
    purged.push(job.jobId);
  });
  return purged;
}

export interface ReconcileReport {
  restarted: string[];
  failed: string[];
}

/**
 * Finds jobs left `queued`, `scheduled`, `running` or `paused` without a live orchestration. A job whose instance is missing
 * (e.g. a storage hiccup after the job row was written) gets its orchestration started again — every step is
 * idempotent, so a `running` job resumes where it stopped. A job whose instance ended without finishing it is
 * finalized `failed` with a reason. Jobs younger than `graceSeconds` are left alone (their start may be in flight).
 */
export async function reconcileJobs(
  deps: JobMaintenanceDependencies,
  graceSeconds = 300,
): Promise<ReconcileReport> {
  const report: ReconcileReport = { restarted: [], failed: [] };
  const youngest = deps.clock.now().getTime() - graceSeconds * 1000;
  await forEachJob(deps, ['queued', 'scheduled', 'running', 'paused'], async (job) => {
    if (Date.parse(job.createdTime) > youngest) return;
    const status = await deps.admin.getStatus(job.jobId);
    if (status && LIVE.includes(status)) return;
    if (!status) {
      await deps.orchestrations.start({
        jobId: job.jobId,
        startTime: job.startTime,
        maxExecutionTimeInSeconds: job.maxExecutionTimeInSeconds,
        settings: deps.settings,
      });
      report.restarted.push(job.jobId);
      return;
    }
    const command = {
      jobId: job.jobId,
      outcome: 'failed' as const,
      shardSize: deps.settings.shardSize,
      failureReason: `The job's orchestration ended (${status}) without finishing the job.`,
    };
    while (!(await finalizeJob(deps, command)).done) {
      // Each call settles what its time budget allows; the next one resumes from the stored shards.
    }
    report.failed.push(job.jobId);
  });
  return report;
}
