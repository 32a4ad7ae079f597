import type { JobExecutionDependencies } from '../../shared/jobs/engine/job-execution';
import {
  type RunDevicesCommand,
  type RunDevicesResult,
  runJobDevices,
} from '../../shared/jobs/engine/job-run';
import { requireCursor, requireInteger, requireObject, requireString } from './job-activity-input';

const NAME = 'jobRunDevices';

export function parseRunDevicesInput(raw: unknown): RunDevicesCommand {
  const input = requireObject(NAME, raw);
  const command: RunDevicesCommand = {
    jobId: requireString(NAME, input, 'jobId'),
    deadline: requireString(NAME, input, 'deadline'),
    maxDevicesInFlight: requireInteger(NAME, input, 'maxDevicesInFlight', 1),
    shardSize: requireInteger(NAME, input, 'shardSize', 1),
    cursor: requireCursor(NAME, input.cursor),
  };
  if (input.pausable !== undefined) {
    if (typeof input.pausable !== 'boolean') throw new TypeError(`${NAME}: pausable must be a boolean.`);
    command.pausable = input.pausable;
  }
  if (input.windowAware !== undefined) {
    if (typeof input.windowAware !== 'boolean')
      throw new TypeError(`${NAME}: windowAware must be a boolean.`);
    command.windowAware = input.windowAware;
  }
  return command;
}

/** One time-bounded step of the job's run: resolves targets ahead, runs devices, answers the next cursor. */
export function createRunJobDevicesActivity(deps: JobExecutionDependencies) {
  return (input: RunDevicesCommand): Promise<RunDevicesResult> => runJobDevices(deps, input);
}
