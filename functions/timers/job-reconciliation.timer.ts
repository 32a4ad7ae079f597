import { app, type InvocationContext } from '@azure/functions';
import { appComposition, appConfig } from '../app-composition';
import { reconcileJobs } from '../../shared/jobs/engine/job-maintenance';
import { durableClientInput, jobOrchestrations } from '../durable/job-orchestration-client';

/** Restarts or fails unfinished jobs that have no live orchestration (e.g. the start was lost). */
async function reconcile(_timer: unknown, context: InvocationContext): Promise<void> {
  const deps = await appComposition().jobMaintenance(jobOrchestrations(context));
  const { restarted, failed } = await reconcileJobs(deps, appConfig().jobs.reconciliationGraceSeconds);
  if (restarted.length > 0) context.log(`Job reconciliation: restarted ${restarted.join(', ')}.`);
  if (failed.length > 0) context.warn(`Job reconciliation: failed ${failed.join(', ')}.`);
}

app.timer('jobReconciliation', {
  schedule: appConfig().jobs.reconciliationSchedule,
  extraInputs: [durableClientInput],
  handler: reconcile,
});
