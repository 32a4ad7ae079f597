import type { SchedulingConfig } from '@device-jobs/client/contract';
import type { CronParser, CronSchedule } from './job-schedule-model';

/** Whether devices may start at an instant: inside a window (until `end`), or not (until `nextStart`). */
export type WindowState = { open: true; end: Date } | { open: false; nextStart?: Date };

/** Back-to-back or overlapping occurrences are one window: joined up to this many (a step re-checks at the end). */
const MAX_JOINED_OCCURRENCES = 1000;
/** Walking windows for an estimate stops here (a duration that long is no plan). */
const MAX_ESTIMATE_WINDOWS = 1000;

interface ParsedWindow {
  cron: CronSchedule;
  durationMs: number;
}

function parsedWindows(config: SchedulingConfig, parseCron: CronParser): ParsedWindow[] {
  return config.maintenanceWindows.map((window) => ({
    cron: parseCron(window.schedule, config.timeZone),
    durationMs: window.durationInMinutes * 60_000,
  }));
}

/** The end of the window an occurrence of `window` open at `at` belongs to, if one is open. */
function openUntil(window: ParsedWindow, at: number): number | undefined {
  const occurrence = window.cron.next(new Date(at - window.durationMs));
  if (!occurrence || occurrence.getTime() > at) return undefined;
  return occurrence.getTime() + window.durationMs;
}

/** The end of an open window once every occurrence (of any window) opening before it closes has extended it. */
function joinedEnd(windows: readonly ParsedWindow[], openEnd: number): number {
  let end = openEnd;
  let walked = 0;
  for (let extended = true; extended && walked < MAX_JOINED_OCCURRENCES;) {
    extended = false;
    for (const window of windows) {
      let occurrence = window.cron.next(new Date(end - window.durationMs));
      while (occurrence && occurrence.getTime() <= end && walked < MAX_JOINED_OCCURRENCES) {
        walked += 1;
        if (occurrence.getTime() + window.durationMs > end) {
          end = occurrence.getTime() + window.durationMs;
          extended = true;
        }
        occurrence = window.cron.next(occurrence);
      }
    }
  }
  return end;
}

function stateAt(windows: readonly ParsedWindow[], at: number): WindowState {
  let end: number | undefined;
  for (const window of windows) {
    const until = openUntil(window, at);
    if (until !== undefined) end = Math.max(end ?? until, until);
  }
  if (end === undefined) {
    const starts = windows
      .map((window) => window.cron.next(new Date(at))?.getTime())
      .filter((start): start is number => start !== undefined);
    return starts.length === 0 ? { open: false } : { open: false, nextStart: new Date(Math.min(...starts)) };
  }
  return { open: true, end: new Date(joinedEnd(windows, end)) };
}

/** The maintenance window state of a job's `schedulingConfig` at `now`. */
export function maintenanceWindowAt(config: SchedulingConfig, parseCron: CronParser, now: Date): WindowState {
  return stateAt(parsedWindows(config, parseCron), now.getTime());
}

/**
 * Seconds a run of `runSeconds` of device work starting at `start` spends waiting outside its windows: the window
 * term of a dry run's estimate. `undefined` when the windows never leave room for it.
 */
export function windowWaitSeconds(
  config: SchedulingConfig,
  parseCron: CronParser,
  start: Date,
  runSeconds: number,
): number | undefined {
  const windows = parsedWindows(config, parseCron);
  let at = start.getTime();
  let workLeftMs = runSeconds * 1000;
  let waitedMs = 0;
  for (let step = 0; step < MAX_ESTIMATE_WINDOWS; step += 1) {
    const state = stateAt(windows, at);
    if (!state.open) {
      if (!state.nextStart) return undefined;
      waitedMs += state.nextStart.getTime() - at;
      at = state.nextStart.getTime();
      continue;
    }
    const worked = Math.min(workLeftMs, state.end.getTime() - at);
    workLeftMs -= worked;
    at += worked;
    if (workLeftMs <= 0) return waitedMs / 1000;
  }
  return undefined;
}

/** `Waiting for the maintenance window at <ISO>` (or for none: the schedules never open again). */
export function windowWaitMessage(nextStart: Date | undefined): string {
  return nextStart
    ? `Waiting for the maintenance window at ${nextStart.toISOString()}`
    : 'Waiting: no maintenance window opens again before the job ends';
}
