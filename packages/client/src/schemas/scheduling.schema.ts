import * as v from 'valibot';
import type * as Wire from '../wire-types';
import { closedObject, integerIn, keyPath, oneOf } from './schema-rules';

/** `schedulingConfig` (maintenance windows) and `targetSelection` of a job request, as valibot schemas. */

export const MAX_MAINTENANCE_WINDOWS = 10;
export const MAX_WINDOW_MINUTES = 1440;
export const TARGET_SELECTIONS = [
  'snapshot',
  'continuous',
] as const satisfies readonly Wire.TargetSelection[];
const WINDOWS_RULE = `must be an array of 1 to ${MAX_MAINTENANCE_WINDOWS} windows`;
const TIME_ZONE_RULE = 'must be an IANA time zone name (e.g. Europe/Berlin)';
const SCHEDULE_RULE =
  'must be an NCRONTAB expression of six fields: {second} {minute} {hour} {day} {month} {day-of-week}';
/**
 * Checks an NCRONTAB expression (six fields, seconds first) in an IANA time zone; throws when either is invalid.
 * The server passes its cron library; a tool without one checks what it can (see docs/architecture.md).
 */
export type CronParser = (expression: string, timeZone: string) => unknown;

/** A schedule that fires daily: parsing it checks a time zone on its own. */
const DAILY = '0 0 0 * * *';

function parses(parseCron: CronParser, expression: string, timeZone: string): boolean {
  try {
    parseCron(expression, timeZone);
    return true;
  } catch {
    return false;
  }
}

/**
 * `schedulingConfig`, its schedules read by `parseCron` (NCRONTAB in a time zone, as the job schedules read theirs).
 * Defaults: `timeZone` UTC, `endBehavior` stopRollout.
 */
export function schedulingConfigSchema(parseCron: CronParser) {
  return v.pipe(
    closedObject({
      timeZone: v.nullish(
        v.pipe(
          v.string(TIME_ZONE_RULE),
          v.check((zone) => parses(parseCron, DAILY, zone), TIME_ZONE_RULE),
        ),
      ),
      maintenanceWindows: v.pipe(
        v.array(
          closedObject({
            schedule: v.pipe(v.string(SCHEDULE_RULE), v.trim()),
            durationInMinutes: integerIn(1, MAX_WINDOW_MINUTES),
          }),
          WINDOWS_RULE,
        ),
        v.minLength(1, WINDOWS_RULE),
        v.maxLength(MAX_MAINTENANCE_WINDOWS, WINDOWS_RULE),
      ),
      endBehavior: v.nullish(oneOf(['stopRollout', 'cancel'])),
    }),
    v.rawCheck(({ dataset, addIssue }) => {
      if (!dataset.typed) return;
      const zone = dataset.value.timeZone ?? 'UTC';
      const index = dataset.value.maintenanceWindows.findIndex(
        (window) => !parses(parseCron, window.schedule, zone),
      );
      if (index >= 0)
        addIssue({ message: SCHEDULE_RULE, path: keyPath('maintenanceWindows', index, 'schedule') });
    }),
    v.transform((config): Wire.SchedulingConfig => ({
      timeZone: config.timeZone ?? 'UTC',
      maintenanceWindows: config.maintenanceWindows,
      endBehavior: config.endBehavior ?? 'stopRollout',
    })),
  ) satisfies v.GenericSchema<unknown, Wire.SchedulingConfig>;
}

/** `targetSelection`: `snapshot` (IoT Hub's behaviour) or `continuous`. */
export const TargetSelectionSchema = oneOf(TARGET_SELECTIONS);
