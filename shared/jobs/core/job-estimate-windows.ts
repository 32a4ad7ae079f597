import type { JobDefinition } from './job-model';
import type { CronParser } from './job-schedule-model';
import { windowWaitSeconds } from './maintenance-windows';

/**
 * The maintenance-window term of a dry run's estimate: `runSeconds` of device work starting at the job's start time
 * plus the waits between its windows; the job's maximum execution time when its windows never leave room for the
 * work (it ends at its deadline).
 */
export function withWindowWaits(
  definition: JobDefinition,
  runSeconds: number,
  parseCron?: CronParser,
): number {
  const config = definition.schedulingConfig;
  if (!config || !parseCron) return runSeconds;
  const waited = windowWaitSeconds(config, parseCron, new Date(definition.startTime), runSeconds);
  const total = waited === undefined ? definition.maxExecutionTimeInSeconds : Math.round(runSeconds + waited);
  return Math.min(total, definition.maxExecutionTimeInSeconds);
}
