import '../../../../functions/durable/job-schedule-timer.orchestrator';
import {
  SCHEDULE_CHANGED_EVENT,
  SCHEDULE_TIMER_ACTIVITY_NAME,
  SCHEDULE_TIMER_ORCHESTRATOR_NAME,
  scheduleTimerInstanceId,
} from '../../../../functions/durable/job-function-names';
import { EventType } from '../../../../packages/func-local/durable/history-event';
import type { ActivityScript, OrchestrationRun } from '../../../support/durable-harness/durable-harness';
import { DurableHarness, replies, took } from '../../../support/durable-harness/durable-harness';

const T0 = '2026-12-06T10:00:00.000Z';
const at = (seconds: number) => new Date(Date.parse(T0) + seconds * 1000).toISOString();
const SCHEDULE = 'nightly';
const INSTANCE = scheduleTimerInstanceId(SCHEDULE);

/** The schedule's timer with its step scripted (each step answers the next occurrence to wake for, or none). */
function startTimer(step: ActivityScript): OrchestrationRun {
  return new DurableHarness({ start: T0 })
    .activity(SCHEDULE_TIMER_ACTIVITY_NAME, step)
    .start(SCHEDULE_TIMER_ORCHESTRATOR_NAME, SCHEDULE, INSTANCE);
}
const stepTimes = (run: OrchestrationRun) => run.activityCalls.map((call) => call.at);

describe('the durable timer of a schedule (jobScheduleTimer_v1)', () => {
  it('has an instance id no job id can take', () => {
    expect(INSTANCE).toBe('jobschedule@nightly');
    expect(SCHEDULE_TIMER_ORCHESTRATOR_NAME).toBe('jobScheduleTimer_v1');
  });

  it('starts with a step that fires the schedule when due, retried with back-off when it fails', async () => {
    const run = await startTimer(replies(new Error('storage busy'), new Error('storage busy'), {})).settle({
      until: at(60),
    });
    expect(run.activityCalls.map((call) => [call.name, call.input, call.attempt, call.at])).toEqual([
      [SCHEDULE_TIMER_ACTIVITY_NAME, SCHEDULE, 1, T0],
      [SCHEDULE_TIMER_ACTIVITY_NAME, SCHEDULE, 2, at(2)],
      [SCHEDULE_TIMER_ACTIVITY_NAME, SCHEDULE, 3, at(6)],
    ]);
    expect(run.status).toBe('Running');
  });

  it('sleeps until just before the occurrence the step answers, waking early on a change', async () => {
    const run = await startTimer(replies({ wakeAt: at(30) })).settle({ until: at(20) });
    expect(run.timers).toEqual([{ createdAt: T0, fireAt: at(28), canceled: false }]); // 2 s of lead
    expect(run.waitingFor()).toEqual({ events: [SCHEDULE_CHANGED_EVENT], timers: [at(28)], activities: [] });
  });

  it('runs the next step when the timer fires, in the same execution', async () => {
    const run = await startTimer(replies({ wakeAt: at(30) }, { wakeAt: at(90) })).settle({ until: at(60) });
    expect(stepTimes(run)).toEqual([T0, at(28)]);
    expect(run.continuedAsNew).toEqual([]);
  });

  it('continues as new, reading the schedule afresh, when woken by a change', async () => {
    const run = startTimer(replies({ wakeAt: at(3600) }, {})).raiseEvent(SCHEDULE_CHANGED_EVENT, null, at(5));
    await run.settle({ until: at(60) });
    expect(run.timers[0]).toEqual({ createdAt: T0, fireAt: at(3598), canceled: true });
    expect(run.continuedAsNew).toEqual([SCHEDULE]);
    expect(stepTimes(run)).toEqual([T0, at(5)]);
  });

  it('waits for a change only when the schedule needs no timer (deleted, disabled, never again)', async () => {
    const run = await startTimer(replies({}, {})).settle({ until: at(30) });
    expect(run.timers).toEqual([]);
    expect(run.waitingFor()).toEqual({ events: [SCHEDULE_CHANGED_EVENT], timers: [], activities: [] });
    await run.raiseEvent(SCHEDULE_CHANGED_EVENT, null, at(60)).settle({ until: at(90) });
    expect(run.continuedAsNew).toEqual([SCHEDULE]);
    expect(stepTimes(run)).toEqual([T0, at(60)]);
  });

  it('never spins: a wake time already past sleeps at least 200 ms', async () => {
    const run = await startTimer(replies(took(1000, { wakeAt: at(-5) }))).settle({ until: at(1) });
    expect(run.timers).toEqual([{ createdAt: at(1), fireAt: at(1.2), canceled: false }]);
  });

  it('continues as new after 25 occurrences, so its history stays bounded', async () => {
    const run = startTimer((_input, call) => ({
      wakeAt: new Date(Date.parse(call.at) + 10_000).toISOString(),
    }));
    await run.settle({ until: at(25 * 8) });
    expect(run.continuedAsNew).toEqual([SCHEDULE]);
    expect(stepTimes(run).slice(24)).toEqual([at(24 * 8), at(25 * 8)]);
    expect(run.history.filter((e) => e.EventType === EventType.TaskScheduled)).toHaveLength(1);
  });
});
