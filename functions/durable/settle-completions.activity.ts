import type {
  SettleCompletionsCommand,
  SettleCompletionsResult,
} from '../../shared/jobs/engine/completion-waits';
import type { JobExecutionDependencies } from '../../shared/jobs/engine/job-execution';
import { settleJobCompletions } from '../../shared/jobs/engine/job-run';
import { requireExecuted, requireObject, requireString } from './job-activity-input';

const NAME = 'jobSettleCompletions';

export function parseSettleCompletionsInput(raw: unknown): SettleCompletionsCommand {
  const input = requireObject(NAME, raw);
  const command: SettleCompletionsCommand = { jobId: requireString(NAME, input, 'jobId') };
  if (input.executed !== undefined) command.executed = requireExecuted(NAME, input.executed, 'executed');
  return command;
}

/** One time-bounded step over the job's devices waiting for its completion condition. */
export function createSettleCompletionsActivity(deps: JobExecutionDependencies) {
  return (input: SettleCompletionsCommand): Promise<SettleCompletionsResult> =>
    settleJobCompletions(deps, input);
}
