import type { InvocationContext } from '@azure/functions';
import type { AbortRollbackStarter } from '../../shared/jobs/engine/job-finalize';
import { appComposition } from '../app-composition';
import { registerJobActivities } from './job-activities';

/** The rollback an abort criterion asks for, started with the finalizing invocation's durable client. */
function rollbacksFor(context: InvocationContext): AbortRollbackStarter {
  return {
    async startAbortRollback(jobId) {
      const app = appComposition();
      await (await app.jobsService(app.jobOrchestrations(context))).startAbortRollback(jobId);
    },
  };
}

// Registration happens when the app's entry files load, as every function's does; the ports are built on the
// first activity call.
registerJobActivities(() => appComposition().jobExecution(), rollbacksFor);
