import { app, type InvocationContext } from '@azure/functions';
import { composition, config } from '../../shared/composition';
import { reconcileJobs } from '../../shared/jobs/engine/job-maintenance';
import { durableClientInput, jobOrchestrations } from '../durable/job-orchestration-client';

/** Restarts or fails unfinished jobs that have no live orchestration (e.g. the start was lost). */
async function reconcile(_timer: unknown, context: InvocationContext): Promise<void> {
  const deps = await composition.jobMaintenance(jobOrchestrations(context));
  const { restarted, failed } = await reconcileJobs(deps, config.jobs.reconciliationGraceSeconds);
  if (restarted.length > 0) context.log(`Job reconciliation: restarted ${restarted.join(', ')}.`);
  if (failed.length > 0) context.warn(`Job reconciliation: failed ${failed.join(', ')}.`);
}

app.timer('jobReconciliation', {
  schedule: config.jobs.reconciliationSchedule,
  extraInputs: [durableClientInput],
  handler: reconcile,
});
