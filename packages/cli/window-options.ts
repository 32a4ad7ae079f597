import { Option, type Command } from 'commander';
import type { SchedulingConfig, TargetSelection } from '@device-jobs/client';
import { UsageError } from './errors';
import { positiveInteger } from './option-parsers';

const END_BEHAVIORS = ['stopRollout', 'cancel'] as const;

/** The maintenance-window and continuous-targeting options of `job create` and `schedule set`. */
export interface WindowOptions {
  continuous?: boolean;
  window?: string[];
  windowMinutes?: number;
  timeZone?: string;
  windowEnd?: SchedulingConfig['endBehavior'];
}

export function addWindowOptions(command: Command): Command {
  // `schedule set` has a --time-zone of its own: there it is the zone of the schedule and of its windows alike.
  const withZone = command.options.some((option) => option.long === '--time-zone')
    ? command
    : command.option('--time-zone <zone>', 'IANA time zone the windows are read in (default UTC)');
  return withZone
    .option('--continuous', 'devices that come to match --query later join the running job (until it ends)')
    .option(
      '--window <cron>',
      'a maintenance window opening at each NCRONTAB occurrence (6 fields; repeat for more): devices start only inside',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option('--window-minutes <n>', 'how long each window stays open (1-1440)', positiveInteger)
    .addOption(
      new Option(
        '--window-end <behavior>',
        'at a window end: wait for the next one, or cancel the job',
      ).choices(END_BEHAVIORS),
    );
}

/** `schedulingConfig` from the options, or nothing when no window was given; the service checks the values. */
export function schedulingConfigOf(options: WindowOptions): {
  schedulingConfig?: SchedulingConfig;
  targetSelection?: TargetSelection;
} {
  const selection = options.continuous ? { targetSelection: 'continuous' as const } : {};
  return { ...selection, ...windowsOf(options) };
}

function windowsOf(options: WindowOptions): { schedulingConfig?: SchedulingConfig } {
  const { window = [], windowMinutes, timeZone, windowEnd } = options;
  if (window.length === 0) {
    // --time-zone alone is no mistake: `schedule set` reads it as the schedule's zone.
    if (windowMinutes !== undefined || windowEnd !== undefined)
      throw new UsageError('--window-minutes and --window-end need --window.');
    return {};
  }
  if (windowMinutes === undefined) throw new UsageError('--window needs --window-minutes.');
  return {
    schedulingConfig: {
      timeZone: timeZone ?? 'UTC',
      maintenanceWindows: window.map((schedule) => ({ schedule, durationInMinutes: windowMinutes })),
      endBehavior: windowEnd ?? 'stopRollout',
    },
  };
}
