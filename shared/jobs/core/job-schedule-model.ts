import type { JobScheduleResponse, JobTemplate } from '@device-jobs/client/contract';

/** The answer's shape is the contract's (@device-jobs/client). */
export type { JobScheduleResponse };

/** A parsed NCRONTAB schedule in a time zone: its occurrences. */
export interface CronSchedule {
  /** The first occurrence strictly after `after`; `undefined` when there is none. */
  next(after: Date): Date | undefined;
}

/** Parses `expression` (six NCRONTAB fields, seconds first) in the IANA `timeZone`; throws when it is invalid. */
export type CronParser = (expression: string, timeZone: string) => CronSchedule;

/** A recurring job as stored. */
export interface JobScheduleRecord {
  scheduleId: string;
  /** NCRONTAB, six fields: `{second} {minute} {hour} {day} {month} {day-of-week}`. */
  schedule: string;
  /** IANA time zone name the schedule is read in. */
  timeZone: string;
  enabled: boolean;
  /** The job body every occurrence creates (validated when the schedule was written). */
  jobTemplate: Record<string, unknown>;
  createdTime: string;
  lastUpdatedTime: string;
  /** The next occurrence not yet handled; absent when disabled or the schedule never fires again. */
  nextRunTime?: string;
  lastJobId?: string;
  lastRunTime?: string;
}

export function toJobScheduleResponse(record: JobScheduleRecord): JobScheduleResponse {
  const response: JobScheduleResponse = {
    scheduleId: record.scheduleId,
    schedule: record.schedule,
    timeZone: record.timeZone,
    enabled: record.enabled,
    // Stored only after the same validation as a job body: it is a job template.
    jobTemplate: record.jobTemplate as unknown as JobTemplate,
    createdTime: record.createdTime,
    lastUpdatedTime: record.lastUpdatedTime,
    nextRunTime: record.enabled ? (record.nextRunTime ?? null) : null,
  };
  if (record.lastJobId !== undefined) response.lastJobId = record.lastJobId;
  if (record.lastRunTime !== undefined) response.lastRunTime = record.lastRunTime;
  return response;
}

/** `{scheduleId}-{yyyyMMddTHHmmssZ}` of an occurrence, in UTC. */
export function scheduledJobId(scheduleId: string, occurrence: Date): string {
  const stamp = occurrence
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
  return `${scheduleId}-${stamp}`;
}

/** What a tick should do with a schedule whose `nextRunTime` has come. */
export interface DueOccurrence {
  /** The occurrence to run now (older missed ones are skipped). */
  run: Date;
  /** The occurrence after everything handled now; `undefined` when the schedule never fires again. */
  next?: Date;
}

/** The last occurrence at or before `now`, at or after `pending` (an occurrence at or before `now`). */
function latestOccurrence(cron: CronSchedule, pending: Date, now: Date): Date {
  const first = cron.next(pending);
  if (!first || first.getTime() > now.getTime()) return pending;
  // Jump close to now (a long outage of a per-second schedule would otherwise be walked second by second).
  const gap = Math.max(1, first.getTime() - pending.getTime());
  for (let reach = 2; ; reach *= 2) {
    const from = Math.max(first.getTime(), now.getTime() - reach * gap);
    let latest = cron.next(new Date(from - 1));
    if (!latest || latest.getTime() > now.getTime()) continue;
    for (let next = cron.next(latest); next && next.getTime() <= now.getTime(); next = cron.next(latest)) {
      latest = next;
    }
    return latest;
  }
}

/**
 * Decides, at `now`, what to do with a schedule whose first unhandled occurrence `pending` has come: run the latest
 * occurrence at or before `now` (it is less than one period late, the following occurrence not having come yet)
 * and skip every older missed one; then wait for the occurrence after it.
 */
export function dueOccurrence(cron: CronSchedule, pending: Date, now: Date): DueOccurrence {
  const run = latestOccurrence(cron, pending, now);
  const next = cron.next(run);
  return next ? { run, next } : { run };
}

/**
 * A schedule's durable timer wakes this long before the occurrence and its step waits out the rest, so the hops
 * of the durable machinery (queue polls, an orchestrator episode, the activity's dispatch) happen before the
 * occurrence rather than after it.
 */
export const TIMER_LEAD_MS = 2_000;
