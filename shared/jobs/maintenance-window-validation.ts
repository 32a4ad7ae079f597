import type { SchedulingConfig } from '@device-jobs/client';
import { JobValidationError } from './job-errors';
import { integerIn, objectAt, refuseUnknown } from './field-rules';
import type { CronParser } from './job-schedule-model';

export const MAX_MAINTENANCE_WINDOWS = 10;
export const MAX_WINDOW_MINUTES = 1440;
const END_BEHAVIORS = ['stopRollout', 'cancel'] as const;
/** A schedule that fires daily: parsing it checks a time zone on its own. */
const DAILY = '0 0 0 * * *';

/**
 * Validates `schedulingConfig` (maintenance windows) with the NCRONTAB parser the schedules use; throws
 * {@link JobValidationError} naming the first invalid field. Defaults: `timeZone` UTC, `endBehavior` stopRollout.
 */
export function parseSchedulingConfig(
  value: unknown,
  parseCron: CronParser,
  field = 'schedulingConfig',
): SchedulingConfig {
  const config = objectAt(field, value);
  refuseUnknown(field, config, ['timeZone', 'maintenanceWindows', 'endBehavior']);
  const timeZone = config.timeZone ?? 'UTC';
  if (typeof timeZone !== 'string' || !parses(parseCron, DAILY, timeZone)) {
    throw new JobValidationError(`${field}.timeZone`, 'must be an IANA time zone name (e.g. Europe/Berlin)');
  }
  const endBehavior = config.endBehavior ?? 'stopRollout';
  const end = END_BEHAVIORS.find((candidate) => candidate === endBehavior);
  if (!end)
    throw new JobValidationError(`${field}.endBehavior`, `must be one of ${END_BEHAVIORS.join(', ')}`);
  const windows = config.maintenanceWindows;
  if (!Array.isArray(windows) || windows.length === 0 || windows.length > MAX_MAINTENANCE_WINDOWS) {
    throw new JobValidationError(
      `${field}.maintenanceWindows`,
      `must be an array of 1 to ${MAX_MAINTENANCE_WINDOWS} windows`,
    );
  }
  const maintenanceWindows = windows.map((raw: unknown, index) => {
    const at = `${field}.maintenanceWindows[${index}]`;
    const window = objectAt(at, raw);
    refuseUnknown(at, window, ['schedule', 'durationInMinutes']);
    const { schedule } = window;
    if (typeof schedule !== 'string' || !parses(parseCron, schedule, timeZone)) {
      throw new JobValidationError(
        `${at}.schedule`,
        'must be an NCRONTAB expression of six fields: {second} {minute} {hour} {day} {month} {day-of-week}',
      );
    }
    return {
      schedule: schedule.trim(),
      durationInMinutes: integerIn(
        `${at}.durationInMinutes`,
        window.durationInMinutes,
        1,
        MAX_WINDOW_MINUTES,
      ),
    };
  });
  return { timeZone, maintenanceWindows, endBehavior: end };
}

function parses(parseCron: CronParser, expression: string, timeZone: string): boolean {
  try {
    parseCron(expression, timeZone);
    return true;
  } catch {
    return false;
  }
}
