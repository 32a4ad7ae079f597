import '../../../functions/durable/job-schedule-timer.orchestrator';
import {
  SCHEDULE_TIMER_ACTIVITY_NAME,
  SCHEDULE_TIMER_ORCHESTRATOR_NAME,
  scheduleTimerInstanceId,
} from '../../../functions/durable/job-function-names';
import { registeredFunctions } from '../../support/functions-core-stand-in';
import {
  History,
  type OrchestratorCallback,
  type OrchestratorState,
  runEpisode,
} from '../../support/orchestration-history';

jest.mock(
  '@azure/functions-core',
  () =>
    jest.requireActual<typeof import('../../support/functions-core-stand-in')>(
      '../../support/functions-core-stand-in',
    ).coreStandIn,
  { virtual: true },
);

const T0 = '2026-12-06T10:00:00.000Z';
const at = (seconds: number) => new Date(Date.parse(T0) + seconds * 1000).toISOString();
const SCHEDULE = 'nightly';
const INSTANCE = scheduleTimerInstanceId(SCHEDULE);
const step = {
  actionType: 1,
  functionName: SCHEDULE_TIMER_ACTIVITY_NAME,
  input: JSON.stringify(SCHEDULE), // the SDK sends a string input as JSON
  retryOptions: { firstRetryIntervalInMilliseconds: 2000, maxNumberOfAttempts: 5, backoffCoefficient: 2 },
};
const changed = { actionType: 6, externalEventName: 'scheduleChanged', reason: 'ExternalEvent' };

function episode(history: History): Promise<OrchestratorState> {
  const registered = registeredFunctions.get(SCHEDULE_TIMER_ORCHESTRATOR_NAME);
  if (!registered) throw new Error('the orchestrator did not register');
  return runEpisode(registered.callback as OrchestratorCallback, INSTANCE, SCHEDULE, history.events);
}

/** Started, the first step scheduled, and its answer at `stepDone`. */
const firstStep = (answer: unknown, stepDone = at(0.1)) =>
  new History(T0)
    .episode(T0)
    .started(SCHEDULE_TIMER_ORCHESTRATOR_NAME, SCHEDULE)
    .scheduled(0, SCHEDULE_TIMER_ACTIVITY_NAME, SCHEDULE)
    .endEpisode()
    .episode(stepDone)
    .completed(0, answer);

describe('the durable timer of a schedule (jobScheduleTimer_v1)', () => {
  it('has an instance id no job id can take', () => {
    expect(INSTANCE).toBe('jobschedule@nightly');
    expect(SCHEDULE_TIMER_ORCHESTRATOR_NAME).toBe('jobScheduleTimer_v1');
  });

  it('starts with a step that fires the schedule when due', async () => {
    const state = await episode(
      new History(T0).episode(T0).started(SCHEDULE_TIMER_ORCHESTRATOR_NAME, SCHEDULE),
    );
    expect(state.actions).toEqual([[step]]);
  });

  it('sleeps until just before the occurrence the step answers, waking early on a change', async () => {
    const state = await episode(firstStep({ wakeAt: at(30) }));
    expect(state.isDone).toBe(false);
    expect(state.actions[0]?.[1]).toEqual({
      actionType: 11,
      compoundActions: [{ actionType: 5, fireAt: at(28), isCanceled: false }, changed], // 2 s of lead
    });
  });

  it('runs the next step when the timer fires, in the same execution', async () => {
    const history = firstStep({ wakeAt: at(30) })
      .timerCreated(1, at(28))
      .endEpisode()
      .episode(at(28.05))
      .timerFired(1, at(28));
    const state = await episode(history);
    expect(state.actions[0]?.slice(2)).toEqual([step]);
  });

  it('continues as new, reading the schedule afresh, when woken by a change', async () => {
    const history = firstStep({ wakeAt: at(3600) })
      .timerCreated(1, at(3598))
      .endEpisode()
      .episode(at(5))
      .raised('scheduleChanged', null);
    const state = await episode(history);
    expect(state.actions[0]?.[1]).toMatchObject({
      compoundActions: [{ actionType: 5, isCanceled: true }, changed],
    });
    expect(state.actions[0]?.[2]).toMatchObject({ actionType: 4, input: JSON.stringify(SCHEDULE) });
  });

  it('waits for a change only when the schedule needs no timer (deleted, disabled, never again)', async () => {
    const state = await episode(firstStep({}));
    expect(state.actions[0]?.slice(1)).toEqual([changed]);
    const woken = await episode(firstStep({}).endEpisode().episode(at(60)).raised('scheduleChanged', null));
    expect(woken.actions[0]?.[2]).toMatchObject({ actionType: 4, input: JSON.stringify(SCHEDULE) });
  });

  it('never spins: a wake time already past sleeps at least 200 ms', async () => {
    const state = await episode(firstStep({ wakeAt: at(-5) }, at(1)));
    expect(state.actions[0]?.[1]).toMatchObject({
      compoundActions: [{ actionType: 5, fireAt: at(1.2) }, changed],
    });
  });
});
