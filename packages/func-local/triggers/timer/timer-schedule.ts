import { Cron } from 'croner';
import { parseTimeSpan } from '../../host/time-span';

/** A parsed timer schedule: when it fires next after a given instant. */
export interface TimerSchedule {
  readonly kind: 'cron' | 'interval';
  /** The first occurrence strictly after `after`; undefined when the schedule never fires again. */
  next(after: Date): Date | undefined;
  /** What the Functions host reports as `Schedule` in the Timer argument. */
  readonly description: Record<string, unknown>;
}

export class TimerScheduleError extends Error {
  override name = 'TimerScheduleError';
  readonly code = 'InvalidTimerSchedule';
}

function cronSchedule(expression: string, timezone: string | undefined): TimerSchedule {
  let cron: Cron;
  try {
    // NCRONTAB fires only when day-of-month AND day-of-week match (Vixie cron ORs them: legacy mode).
    cron = new Cron(expression, { paused: true, legacyMode: false, timezone });
    cron.nextRun(new Date());
  } catch (error: unknown) {
    throw new TimerScheduleError(
      `"${expression}" is not a valid NCRONTAB expression: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return {
    kind: 'cron',
    next: (after) => cron.nextRun(after) ?? undefined,
    description: { AdjustForDST: true },
  };
}

function intervalSchedule(text: string, intervalMs: number): TimerSchedule {
  if (intervalMs <= 0)
    throw new TimerScheduleError(`The TimeSpan schedule "${text}" must be longer than zero.`);
  return {
    kind: 'interval',
    next: (after) => new Date(after.getTime() + intervalMs),
    description: {},
  };
}

/**
 * Parses a timer trigger's schedule the way the Functions host does: an NCRONTAB expression of six fields
 * (seconds first) or five (seconds at zero), else a TimeSpan (`hh:mm:ss`, `d.hh:mm:ss`) meaning "every".
 * Cron occurrences are computed in `timezone` (an IANA name), or in the machine's time zone.
 */
export function parseTimerSchedule(text: string, timezone?: string): TimerSchedule {
  const trimmed = text.trim();
  const fields = trimmed.split(/\s+/);
  if (fields.length === 5 || fields.length === 6) return cronSchedule(trimmed, timezone);
  const intervalMs = parseTimeSpan(trimmed);
  if (intervalMs !== undefined) return intervalSchedule(trimmed, intervalMs);
  throw new TimerScheduleError(
    `"${text}" is neither an NCRONTAB expression ("{second} {minute} {hour} {day} {month} {day-of-week}") ` +
      'nor a TimeSpan ("hh:mm:ss").',
  );
}
