import { Cron } from 'croner';
import type { CronParser } from '../jobs/core/job-schedule-model';

/**
 * NCRONTAB (six fields, seconds first) in an IANA time zone, by croner. NCRONTAB fires only when day-of-month
 * AND day-of-week match, so croner's legacy (Vixie cron, OR) mode is off.
 */
export const parseNcrontab: CronParser = (expression, timeZone) => {
  if (expression.trim().split(/\s+/).length !== 6) {
    throw new Error('must have six fields: {second} {minute} {hour} {day} {month} {day-of-week}');
  }
  const cron = new Cron(expression.trim(), { paused: true, legacyMode: false, timezone: timeZone });
  cron.nextRun(); // croner checks the time zone only when it computes a date
  return { next: (after) => cron.nextRun(after) ?? undefined };
};
