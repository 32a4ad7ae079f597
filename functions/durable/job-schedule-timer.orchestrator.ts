import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler, Task } from 'durable-functions';
import { TIMER_LEAD_MS } from '../../shared/jobs/core/job-schedule-model';
import {
  SCHEDULE_CHANGED_EVENT,
  SCHEDULE_TIMER_ACTIVITY_NAME,
  SCHEDULE_TIMER_ORCHESTRATOR_NAME,
} from './job-function-names';

/** The least sleep between two steps, so a clock skew between hosts cannot make the timer spin. */
const MIN_SLEEP_MS = 200;
/** Occurrences one execution handles before it continues as new (bounds its history and replay). */
const STEPS_PER_EXECUTION = 25;

function stepRetry(): df.RetryOptions {
  const retry = new df.RetryOptions(2000, 5);
  retry.backoffCoefficient = 2;
  return retry;
}

/**
 * The durable timer of one schedule (instance id from `scheduleTimerInstanceId`, input the schedule id): fires the
 * occurrence when due, sleeps until shortly before the next one (`TIMER_LEAD_MS`: the step waits out the rest), and
 * again. A change (PUT, DELETE) wakes it and it continues as
 * new, reading the schedule afresh. It never ends on its own: with nothing to wait for (deleted, disabled) it
 * waits for a change only, so a later PUT always finds it running.
 */
function* scheduleTimer(context: OrchestrationContext): Generator<Task, void, unknown> {
  const scheduleId = context.df.getInput<string>();
  for (let step = 0; step < STEPS_PER_EXECUTION; step += 1) {
    const { wakeAt } = (yield context.df.callActivityWithRetry(
      SCHEDULE_TIMER_ACTIVITY_NAME,
      stepRetry(),
      scheduleId,
    )) as { wakeAt?: string };
    // A fresh waiter each step: the engine hands an event to the newest waiter of its name.
    const changed = context.df.waitForExternalEvent(SCHEDULE_CHANGED_EVENT);
    if (wakeAt === undefined) {
      yield changed;
      break;
    }
    const earliest = context.df.currentUtcDateTime.getTime() + MIN_SLEEP_MS;
    const timer = context.df.createTimer(new Date(Math.max(Date.parse(wakeAt) - TIMER_LEAD_MS, earliest)));
    const first = yield context.df.Task.any([timer, changed]);
    if (first !== timer) {
      timer.cancel();
      break;
    }
  }
  context.df.continueAsNew(scheduleId);
}

const handler: OrchestrationHandler = scheduleTimer;
df.app.orchestration(SCHEDULE_TIMER_ORCHESTRATOR_NAME, handler);
