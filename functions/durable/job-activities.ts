import * as df from 'durable-functions';
import type { InvocationContext } from '@azure/functions';
import type {
  JobExecutionDependencies,
  MarkRunningCommand,
  MarkRunningResult,
} from '../../shared/jobs/engine/job-execution';
import type {
  AbortRollbackStarter,
  FinalizeJobCommand,
  FinalizeJobResult,
} from '../../shared/jobs/engine/job-finalize';
import type { RunDevicesCommand, RunDevicesResult } from '../../shared/jobs/engine/job-run';
import type {
  SettleCompletionsCommand,
  SettleCompletionsResult,
} from '../../shared/jobs/engine/completion-waits';
import { createSettleCompletionsActivity, parseSettleCompletionsInput } from './settle-completions.activity';
import { createFinalizeJobActivity, parseFinalizeInput } from './finalize-job.activity';
import { createMarkJobRunningActivity, parseMarkRunningInput } from './mark-job-running.activity';
import { createRunJobDevicesActivity, parseRunDevicesInput } from './run-job-devices.activity';
import { durableClientInput } from './job-orchestration-client';

/**
 * The job orchestration's activities: name → input and result. The orchestrator calls through this map and the
 * activities implement it (in the spirit of Temporal's `proxyActivities<typeof activities>`), so a name, an input
 * or a result that does not match is a compile error on either side.
 */
export interface JobActivityContract {
  jobMarkRunning: { input: MarkRunningCommand; output: MarkRunningResult };
  jobRunDevices: { input: RunDevicesCommand; output: RunDevicesResult };
  jobFinalize: { input: FinalizeJobCommand; output: FinalizeJobResult };
  jobSettleCompletions: { input: SettleCompletionsCommand; output: SettleCompletionsResult };
}

export type JobActivityName = keyof JobActivityContract;
export type JobActivityInput<K extends JobActivityName> = JobActivityContract[K]['input'];
export type JobActivityOutput<K extends JobActivityName> = JobActivityContract[K]['output'];
export type JobActivities = {
  [K in JobActivityName]: (input: JobActivityInput<K>) => Promise<JobActivityOutput<K>>;
};

export function createJobActivities(deps: JobExecutionDependencies): JobActivities {
  return {
    jobMarkRunning: createMarkJobRunningActivity(deps),
    jobRunDevices: createRunJobDevicesActivity(deps),
    jobFinalize: createFinalizeJobActivity(deps),
    jobSettleCompletions: createSettleCompletionsActivity(deps),
  };
}

/** Checks a deserialized input before it reaches the activity (inputs cross a JSON boundary). */
const PARSERS: { [K in JobActivityName]: (raw: unknown) => JobActivityInput<K> } = {
  jobMarkRunning: parseMarkRunningInput,
  jobRunDevices: parseRunDevicesInput,
  jobFinalize: parseFinalizeInput,
  jobSettleCompletions: parseSettleCompletionsInput,
};

/** One registered handler: the parsed input goes to the activity of the same name. */
export function activityHandler<K extends JobActivityName>(
  activities: JobActivities,
  name: K,
): (raw: unknown) => Promise<JobActivityOutput<K>> {
  const activity: (input: JobActivityInput<K>) => Promise<JobActivityOutput<K>> = activities[name];
  return async (raw) => activity(PARSERS[name](raw));
}

/**
 * Registers the job orchestration's activities over the ports `deps` answers, resolved on the first call. Called
 * once by the app's registration code (the orchestrator registers itself in `job.orchestrator.ts`).
 */
export function registerJobActivities(
  deps: () => JobExecutionDependencies,
  rollbacksFor?: (context: InvocationContext) => AbortRollbackStarter,
): void {
  let activities: JobActivities | undefined;
  const resolved = () => (activities ??= createJobActivities(deps()));
  for (const name of Object.keys(PARSERS) as JobActivityName[]) {
    if (name === 'jobFinalize' && rollbacksFor) continue;
    df.app.activity(name, { handler: (raw: unknown) => activityHandler(resolved(), name)(raw) });
  }
  if (!rollbacksFor) return;
  // Finalizing starts the rollback an abort asks for: it needs this invocation's durable client.
  df.app.activity('jobFinalize', {
    extraInputs: [durableClientInput],
    handler: (raw: unknown, context: InvocationContext) =>
      createFinalizeJobActivity({ ...deps(), rollbacks: rollbacksFor(context) })(parseFinalizeInput(raw)),
  });
}
