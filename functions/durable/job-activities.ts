import * as df from 'durable-functions';
import type { JobExecutionDependencies } from '../../shared/jobs/job-execution';
import { createFinalizeJobActivity } from './finalize-job.activity';
import { JOB_FUNCTION_NAMES } from './job-function-names';
import { createMarkJobRunningActivity } from './mark-job-running.activity';
import { createResolveTargetsActivity } from './resolve-job-targets.activity';
import { createRunShardActivity } from './run-job-shard.activity';

/**
 * Registers the job orchestration's activities over the given ports. Called once by the app's composition
 * (the orchestrator registers itself in `job.orchestrator.ts`).
 */
export function registerJobActivities(deps: JobExecutionDependencies): void {
  df.app.activity(JOB_FUNCTION_NAMES.markRunning, { handler: createMarkJobRunningActivity(deps) });
  df.app.activity(JOB_FUNCTION_NAMES.resolveTargets, { handler: createResolveTargetsActivity(deps) });
  df.app.activity(JOB_FUNCTION_NAMES.runShard, { handler: createRunShardActivity(deps) });
  df.app.activity(JOB_FUNCTION_NAMES.finalize, { handler: createFinalizeJobActivity(deps) });
}
