import { app, type InvocationContext } from '@azure/functions';
import { appComposition, appConfig } from '../app-composition';
import { purgeExpiredJobs } from '../../shared/jobs/engine/job-maintenance';
import { durableClientInput, jobOrchestrations } from '../durable/job-orchestration-client';

/**
 * Purges finished jobs past JOB_RETENTION_DAYS: device jobs (rows, device results, id lists, orchestration history)
 * and import/export jobs (rows and orchestration history; the blobs are the caller's). With DEVICE_GATEWAY=iothub
 * the hub keeps its own import/export jobs.
 */
async function purgeJobs(_timer: unknown, context: InvocationContext): Promise<void> {
  const deps = await appComposition().jobMaintenance(jobOrchestrations(context));
  const purged = await purgeExpiredJobs(deps, appConfig().jobs.retentionDays);
  if (purged.length > 0) context.log(`Job retention: purged ${purged.length} finished jobs.`);
  if (appConfig().devices.gateway === 'iothub') return;
  const registryJobs = await appComposition().registryJobs(context);
  const purgedRegistryJobs = await registryJobs.purgeExpired(appConfig().jobs.retentionDays);
  if (purgedRegistryJobs.length > 0)
    context.log(`Job retention: purged ${purgedRegistryJobs.length} finished import/export jobs.`);
}

app.timer('jobRetention', {
  schedule: appConfig().jobs.retentionSchedule,
  extraInputs: [durableClientInput],
  handler: purgeJobs,
});
