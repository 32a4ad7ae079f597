import { app, type InvocationContext } from '@azure/functions';
import { appComposition, appConfig } from '../app-composition';
import { purgeExpiredJobs } from '../../shared/jobs/job-maintenance';
import { durableClientInput, jobOrchestrations } from '../durable/job-orchestration-client';

/** Purges finished jobs (rows, device results, id lists, orchestration history) past JOB_RETENTION_DAYS. */
async function purgeJobs(_timer: unknown, context: InvocationContext): Promise<void> {
  const deps = await appComposition().jobMaintenance(jobOrchestrations(context));
  const purged = await purgeExpiredJobs(deps, appConfig().jobs.retentionDays);
  if (purged.length > 0) context.log(`Job retention: purged ${purged.length} finished jobs.`);
}

app.timer('jobRetention', {
  schedule: appConfig().jobs.retentionSchedule,
  extraInputs: [durableClientInput],
  handler: purgeJobs,
});
