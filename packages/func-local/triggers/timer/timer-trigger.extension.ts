import { expandSettings } from '../../app/app-folder';
import type { RegisteredFunction } from '../../app/capture';
import type { BindingInfo } from '../../app/core-api';
import { findTrigger } from '../../host/bindings';
import { errorText } from '../../host/error-text';
import type { ExtensionContext, HostExtension } from '../../host/extension';
import { DRAIN_TIMEOUT_MS, InFlight } from '../../host/in-flight';
import { parseTimerSchedule, type TimerSchedule } from './timer-schedule';

/** setTimeout cannot wait longer than about 24.8 days; longer waits re-arm. */
const MAX_TIMEOUT_MS = 2_147_483_647;

interface TimerState {
  fn: RegisteredFunction;
  schedule: TimerSchedule;
  timeout: NodeJS.Timeout | undefined;
  /** The occurrence that fired last and when that was recorded, for the Timer argument's schedule status. */
  last: { occurrence: Date; recordedAt: Date } | undefined;
}

export class TimerTriggerError extends Error {
  override name = 'TimerTriggerError';
  readonly code = 'InvalidTimerTrigger';
}

/** Reads a function's schedule, `%SETTING%` references expanded; throws naming the function. */
export function timerScheduleOf(
  fn: RegisteredFunction,
  binding: BindingInfo,
  env: NodeJS.ProcessEnv,
): TimerSchedule {
  if (typeof binding.schedule !== 'string' || binding.schedule.trim() === '') {
    throw new TimerTriggerError(`Function "${fn.metadata.name}": the timer trigger has no schedule.`);
  }
  const schedule = expandSettings(binding.schedule, env);
  try {
    return parseTimerSchedule(schedule, env.WEBSITE_TIME_ZONE || undefined);
  } catch (error: unknown) {
    throw new TimerTriggerError(
      `Function "${fn.metadata.name}": schedule ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/**
 * Timer triggers: NCRONTAB or TimeSpan schedules, `runOnStartup`. Like the Functions host, a timer does not
 * overlap itself: the next occurrence is armed when an invocation ends. `useMonitor` is ignored: the schedule
 * status lives in memory, so the first invocation after a start has none.
 */
export class TimerTriggerExtension implements HostExtension {
  readonly name = 'timer';
  readonly triggerTypes = ['timerTrigger'];
  readonly inputBindingTypes: string[] = [];
  readonly outputBindingTypes: string[] = [];
  private readonly timers: TimerState[] = [];
  private readonly inFlight = new InFlight();
  private context: ExtensionContext | undefined;
  private stopped = false;

  validate(
    fn: RegisteredFunction,
    _bindingName: string,
    binding: BindingInfo,
    context: ExtensionContext,
  ): void {
    timerScheduleOf(fn, binding, context.env);
  }

  start(context: ExtensionContext): Promise<void> {
    this.context = context;
    for (const fn of context.app.functions) {
      const binding = findTrigger(fn, 'timerTrigger')?.[1];
      if (!binding) continue;
      const state: TimerState = {
        fn,
        schedule: timerScheduleOf(fn, binding, context.env),
        timeout: undefined,
        last: undefined,
      };
      this.timers.push(state);
      if (binding.runOnStartup === true) void this.fire(state, new Date(), { runOnStartup: true });
      else this.arm(state);
    }
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const state of this.timers) clearTimeout(state.timeout);
    await this.inFlight.drain(DRAIN_TIMEOUT_MS);
  }

  private arm(state: TimerState): void {
    if (this.stopped) return;
    const occurrence = state.schedule.next(new Date());
    if (!occurrence) {
      this.context?.log('host', 'warning', `Timer "${state.fn.metadata.name}" will not fire again.`);
      return;
    }
    const wait = () => {
      const remaining = occurrence.getTime() - Date.now();
      if (remaining > 0) {
        state.timeout = setTimeout(wait, Math.min(remaining, MAX_TIMEOUT_MS));
        return;
      }
      void this.fire(state, occurrence, { runOnStartup: false });
    };
    wait();
  }

  private async fire(state: TimerState, occurrence: Date, how: { runOnStartup: boolean }): Promise<void> {
    const context = this.context;
    if (!context || this.stopped) return;
    const now = new Date();
    const missedAnother = (state.schedule.next(occurrence)?.getTime() ?? Infinity) <= now.getTime();
    const timer = {
      Schedule: state.schedule.description,
      ScheduleStatus: state.last
        ? {
            Last: state.last.occurrence.toISOString(),
            Next: occurrence.toISOString(),
            LastUpdated: state.last.recordedAt.toISOString(),
          }
        : null,
      IsPastDue: !how.runOnStartup && missedAnother,
    };
    const name = state.fn.metadata.name;
    try {
      await this.inFlight.track(context.invoke(state.fn, { data: { json: JSON.stringify(timer) } }));
    } catch (error: unknown) {
      context.log(name, 'error', `Executed 'Functions.${name}' (Failed): ${errorText(error)}`);
    }
    state.last = { occurrence, recordedAt: new Date() };
    this.arm(state);
  }
}
