import type { InvocationContext } from '@azure/functions';
import { composition } from '../../shared/composition';
import type { AbortRollbackStarter } from '../../shared/jobs/engine/job-finalize';
import { registerJobActivities } from './job-activities';
import { jobOrchestrations } from './job-orchestration-client';

/** The rollback an abort criterion asks for, started with the finalizing invocation's durable client. */
function rollbacksFor(context: InvocationContext): AbortRollbackStarter {
  return {
    async startAbortRollback(jobId) {
      await (await composition.jobsService(jobOrchestrations(context))).startAbortRollback(jobId);
    },
  };
}

// Registration happens when the app's entry files load, as every function's does; the ports are built here.
registerJobActivities(composition.jobExecution(), rollbacksFor);
