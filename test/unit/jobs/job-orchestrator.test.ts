import '../../../functions/durable/job.orchestrator';
import {
  JOB_ORCHESTRATOR_NAME,
  JOB_ORCHESTRATOR_V2_NAME,
  JOB_ORCHESTRATOR_V3_NAME,
} from '../../../functions/durable/job-function-names';
import { registeredFunctions } from '../../support/functions-core-stand-in';
import { DEFAULT_JOB_SETTINGS } from '../../../shared/jobs/core/job-settings';
import type { JobOrchestrationInput } from '../../../shared/jobs/core/ports';
import {
  History,
  type OrchestratorCallback,
  type OrchestratorState,
  runEpisode,
  flatActions,
} from '../../support/orchestration-history';

jest.mock(
  '@azure/functions-core',
  () =>
    jest.requireActual<typeof import('../../support/functions-core-stand-in')>(
      '../../support/functions-core-stand-in',
    ).coreStandIn,
  { virtual: true },
);

const ORCHESTRATOR = JOB_ORCHESTRATOR_NAME;

const T0 = '2026-11-26T06:00:00.000Z';
const at = (seconds: number) => new Date(Date.parse(T0) + seconds * 1000).toISOString();
const JOB = 'reboot-43-3';

function handler(name = ORCHESTRATOR): OrchestratorCallback {
  const registered = registeredFunctions.get(name);
  if (!registered) throw new Error('the orchestrator did not register');
  return registered.callback as OrchestratorCallback;
}

const input = (overrides: Partial<JobOrchestrationInput> = {}): JobOrchestrationInput => ({
  jobId: JOB,
  startTime: T0,
  maxExecutionTimeInSeconds: 3600,
  settings: { ...DEFAULT_JOB_SETTINGS, shardSize: 100, maxDevicesInFlight: 50 },
  ...overrides,
});

const retry = {
  firstRetryIntervalInMilliseconds: 2000,
  maxNumberOfAttempts: 5,
  backoffCoefficient: 2,
  maxRetryIntervalInMilliseconds: 60000,
};
const activity = (functionName: string, payload: unknown) => ({
  actionType: 1,
  functionName,
  input: payload,
  retryOptions: retry,
});

async function episode(history: History, orchestrationInput = input()): Promise<OrchestratorState> {
  return runEpisode(handler(), JOB, orchestrationInput, history.events);
}

/** A history in which the job was marked running at 1 s (the orchestration's first activity). */
const markedRunning = (name = ORCHESTRATOR, orchestrationInput = input()) =>
  new History(T0)
    .episode(T0)
    .started(name, orchestrationInput)
    .scheduled(0, 'jobMarkRunning')
    .endEpisode()
    .episode(at(1))
    .completed(0, { proceed: true, status: 'running' });

/** Actions added by the last episode: the cumulative list minus those of the previous one. */
function newActions(state: OrchestratorState, previousCount: number) {
  return (state.actions[0] ?? []).slice(previousCount);
}

const START = { shardCount: 0, nextShard: 0, targets: { done: false } };
const cursorAt = (shards: number, done = false) =>
  done
    ? { shardCount: shards, nextShard: shards, targets: { done: true } }
    : { shardCount: shards, nextShard: shards, targets: { done: false, continuation: `page-${shards}` } };
const runInput = (cursor: unknown, deadline = at(3600)) => ({
  jobId: JOB,
  deadline,
  maxDevicesInFlight: 50,
  shardSize: 100,
  cursor,
  pausable: true,
  windowAware: true,
});
const finalizeInput = (fields: Record<string, unknown>) => ({ jobId: JOB, shardSize: 100, ...fields });
/** The finalize a job's deadline calls for (3600 s): failed, devices not run failed with the deadline code. */
const deadlineFinalize = (cursor: unknown) =>
  activity(
    'jobFinalize',
    finalizeInput({
      outcome: 'failed',
      deviceErrorCode: 'JobMaxExecutionTimeExceeded',
      failureReason: 'maxExecutionTimeInSeconds (3600 s) elapsed before every device was processed.',
      cursor,
    }),
  );

describe('job orchestrator registration', () => {
  it('registers under the versioned name with an orchestration trigger, and keeps v3 and v2 for older instances', () => {
    expect(ORCHESTRATOR).toBe('jobOrchestrator_v4');
    for (const name of [ORCHESTRATOR, JOB_ORCHESTRATOR_V3_NAME, JOB_ORCHESTRATOR_V2_NAME]) {
      const registered = registeredFunctions.get(name);
      expect(Object.values(registered?.bindings ?? {}).map((b) => b.type)).toEqual(['orchestrationTrigger']);
    }
  });

  it('replays a v2 history with the same actions as before (its steps are not asked to return on a pause)', async () => {
    const history = markedRunning(JOB_ORCHESTRATOR_V2_NAME)
      .scheduled(1, 'jobRunDevices')
      .endEpisode()
      .episode(at(120))
      .completed(1, { done: false, cursor: cursorAt(40) });
    const state = await runEpisode(handler(JOB_ORCHESTRATOR_V2_NAME), JOB, input(), history.events);
    const { pausable: _ignored, windowAware: _notV2, ...v2Input } = runInput(cursorAt(40));
    expect(newActions(state, 2)).toEqual([activity('jobRunDevices', v2Input)]);
  });
});

describe('job orchestrator: waiting for the start time', () => {
  const later = input({ startTime: at(5) });
  const started = () => new History(T0).episode(T0).started(ORCHESTRATOR, later);

  it('arms a timer for the start time raced against the cancel event', async () => {
    const state = await episode(started(), later);
    expect(state.isDone).toBe(false);
    expect(state.actions).toEqual([
      [
        {
          actionType: 11,
          compoundActions: [
            { actionType: 5, fireAt: at(5), isCanceled: false },
            { actionType: 6, externalEventName: 'cancel', reason: 'ExternalEvent' },
          ],
        },
      ],
    ]);
  });

  it('marks the job running when the timer fires, with the actual start time', async () => {
    const history = started().timerCreated(0, at(5)).endEpisode().episode(at(5.2)).timerFired(0, at(5));
    const state = await episode(history, later);
    expect(newActions(state, 1)).toEqual([
      activity('jobMarkRunning', { jobId: JOB, runStartedTime: at(5.2) }),
    ]);
  });

  it('stops waiting at once on cancel: cancels the timer and finalizes as cancelled', async () => {
    const history = started().timerCreated(0, at(5)).endEpisode().episode(at(1)).raised('cancel', null);
    const state = await episode(history, later);
    expect(state.actions[0]?.[0]).toMatchObject({
      compoundActions: [{ actionType: 5, isCanceled: true }, { actionType: 6 }],
    });
    expect(newActions(state, 1)).toEqual([activity('jobFinalize', finalizeInput({ outcome: 'cancelled' }))]);

    const done = await episode(
      history
        .scheduled(1, 'jobFinalize')
        .endEpisode()
        .episode(at(1.5))
        .completed(1, { done: true, status: 'cancelled' }),
      later,
    );
    expect(done.isDone).toBe(true);
    expect(done.output).toEqual({ jobId: JOB, outcome: 'cancelled', runSteps: 0 });
  });
});

describe('job orchestrator: running', () => {
  const begin = (orchestrationInput = input()) => markedRunning(ORCHESTRATOR, orchestrationInput);

  it('starts at once when the start time has passed: mark running, then the first run step', async () => {
    const first = await episode(new History(T0).episode(T0).started(ORCHESTRATOR, input()));
    expect(first.actions).toEqual([[activity('jobMarkRunning', { jobId: JOB, runStartedTime: T0 })]]);
    const second = await episode(begin());
    expect(newActions(second, 1)).toEqual([activity('jobRunDevices', runInput(START))]);
  });

  it('continues a run whose step ran out of time budget from its cursor, then completes', async () => {
    const history = begin()
      .scheduled(1, 'jobRunDevices')
      .endEpisode()
      .episode(at(120))
      .completed(1, { done: false, cursor: cursorAt(40) });
    const continued = await episode(history);
    expect(newActions(continued, 2)).toEqual([activity('jobRunDevices', runInput(cursorAt(40)))]);

    history
      .scheduled(2, 'jobRunDevices')
      .endEpisode()
      .episode(at(150))
      .completed(2, { done: true, cursor: cursorAt(55, true) });
    const finishing = await episode(history);
    expect(newActions(finishing, 3)).toEqual([
      activity('jobFinalize', finalizeInput({ outcome: 'completed', cursor: cursorAt(55, true) })),
    ]);

    history
      .scheduled(3, 'jobFinalize')
      .endEpisode()
      .episode(at(151))
      .completed(3, { done: true, status: 'completed' });
    const done = await episode(history);
    expect(done.isDone).toBe(true);
    expect(done.output).toEqual({ jobId: JOB, outcome: 'completed', runSteps: 2 });
    expect(JSON.stringify(history.events)).not.toContain('device-');
  });

  it.each([
    ['cancelled', { outcome: 'cancelled' }],
    [
      'deadline',
      {
        outcome: 'failed',
        deviceErrorCode: 'JobMaxExecutionTimeExceeded',
        failureReason: 'maxExecutionTimeInSeconds (3600 s) elapsed before every device was processed.',
      },
    ],
    ['aborted', { outcome: 'failed', failureReason: 'too many failures', settleAs: 'canceled' }],
  ])('finalizes from the cursor when a step stops for %s', async (stoppedBy, fields) => {
    const history = begin()
      .scheduled(1, 'jobRunDevices')
      .endEpisode()
      .episode(at(10))
      .completed(1, { done: false, cursor: cursorAt(3), stoppedBy, abortReason: 'too many failures' });
    const state = await episode(history);
    expect(newActions(state, 2)).toEqual([
      activity('jobFinalize', finalizeInput({ ...fields, cursor: cursorAt(3) })),
    ]);
  });

  it('repeats finalize from its cursor until it is done (settling runs in time-bounded steps)', async () => {
    const history = begin()
      .scheduled(1, 'jobRunDevices')
      .endEpisode()
      .episode(at(10))
      .completed(1, { done: false, cursor: cursorAt(3), stoppedBy: 'cancelled' })
      .scheduled(2, 'jobFinalize')
      .endEpisode()
      .episode(at(130))
      .completed(2, { done: false, cursor: cursorAt(9) });
    const state = await episode(history);
    expect(newActions(state, 3)).toEqual([
      activity('jobFinalize', finalizeInput({ outcome: 'cancelled', cursor: cursorAt(9) })),
    ]);
  });

  it('does not run a job cancelled before it was marked running', async () => {
    const history = new History(T0)
      .episode(T0)
      .started(ORCHESTRATOR, input())
      .scheduled(0, 'jobMarkRunning')
      .endEpisode()
      .episode(at(1))
      .completed(0, { proceed: false, status: 'cancelled' });
    const state = await episode(history);
    expect(newActions(state, 1)).toEqual([activity('jobFinalize', finalizeInput({ outcome: 'cancelled' }))]);
  });

  it('fails the job when the deadline passed before the next step could start', async () => {
    const short = input({ maxExecutionTimeInSeconds: 60 });
    const history = begin(short);
    const first = await episode(history, short);
    expect(newActions(first, 1)).toEqual([activity('jobRunDevices', runInput(START, at(60)))]);
    history
      .scheduled(1, 'jobRunDevices')
      .endEpisode()
      .episode(at(90))
      .completed(1, { done: false, cursor: cursorAt(2) });
    const state = await episode(history, short);
    expect(newActions(state, 2)).toEqual([
      activity(
        'jobFinalize',
        finalizeInput({
          outcome: 'failed',
          deviceErrorCode: 'JobMaxExecutionTimeExceeded',
          failureReason: 'maxExecutionTimeInSeconds (60 s) elapsed before every device was processed.',
          cursor: cursorAt(2),
        }),
      ),
    ]);
  });

  it('retries a failing activity with back-off, then fails the job with the reason', async () => {
    const twice = input({
      settings: {
        ...input().settings,
        activityRetry: { ...DEFAULT_JOB_SETTINGS.activityRetry, maxNumberOfAttempts: 2 },
      },
    });
    const history = begin(twice)
      .scheduled(1, 'jobRunDevices')
      .endEpisode()
      .episode(at(2))
      .failed(1, 'registry unreachable');
    const retrying = await episode(history, twice);
    expect(retrying.isDone).toBe(false);
    expect(newActions(retrying, 2)).toEqual([]);

    history
      .timerCreated(2, at(4))
      .endEpisode()
      .episode(at(4))
      .timerFired(2, at(4))
      .scheduled(3, 'jobRunDevices');
    history.endEpisode().episode(at(5)).failed(3, 'registry unreachable').timerCreated(4, at(9));
    history.endEpisode().episode(at(9)).timerFired(4, at(9));
    const failing = await episode(history, twice);
    const [finalize] = newActions(failing, 2);
    // Targets not resolved yet are not resolved for settling: the failure may be the resolution itself.
    expect(finalize).toMatchObject({
      functionName: 'jobFinalize',
      input: {
        jobId: JOB,
        outcome: 'failed',
        cursor: { shardCount: 0, nextShard: 0, targets: { done: true } },
      },
    });
    expect((finalize?.input as { failureReason: string }).failureReason).toMatch(
      /^An activity failed after its retries: .*registry unreachable/,
    );

    history
      .scheduled(5, 'jobFinalize')
      .endEpisode()
      .episode(at(10))
      .completed(5, { done: true, status: 'failed' });
    const done = await episode(history, twice);
    expect(done.isDone).toBe(true);
    expect(done.output).toMatchObject({ outcome: 'failed' });
  });
});

describe('job orchestrator: pause and resume', () => {
  const DEADLINE = at(3600);
  /** A run whose first step stopped because the job was paused. */
  const pausedAt = (seconds: number) =>
    markedRunning()
      .scheduled(1, 'jobRunDevices')
      .endEpisode()
      .episode(at(seconds))
      .completed(1, { done: false, cursor: cursorAt(2), stoppedBy: 'paused' });
  const waitAction = (canceled = false) => ({
    actionType: 11,
    compoundActions: [
      { actionType: 6, externalEventName: 'resume', reason: 'ExternalEvent' },
      { actionType: 6, externalEventName: 'cancel', reason: 'ExternalEvent' },
      { actionType: 5, fireAt: DEADLINE, isCanceled: canceled },
    ],
  });

  it('waits for resume, cancel or the deadline, with no activity scheduled', async () => {
    const state = await episode(pausedAt(10));
    expect(state.isDone).toBe(false);
    expect(newActions(state, 2)).toEqual([waitAction()]);
  });

  it('on resume cancels the deadline timer and runs the next step from the cursor', async () => {
    const history = pausedAt(10)
      .timerCreated(2, DEADLINE)
      .endEpisode()
      .episode(at(300))
      .raised('resume', null);
    const state = await episode(history);
    expect(newActions(state, 2)).toEqual([
      waitAction(true),
      activity('jobRunDevices', runInput(cursorAt(2))),
    ]);
  });

  it('waits again when the next step finds the job paused again (a resume older than the pause)', async () => {
    const history = pausedAt(10)
      .timerCreated(2, DEADLINE)
      .endEpisode()
      .episode(at(11))
      .raised('resume', null)
      .scheduled(3, 'jobRunDevices')
      .endEpisode()
      .episode(at(12))
      .completed(3, { done: false, cursor: cursorAt(2), stoppedBy: 'paused' });
    const state = await episode(history);
    expect(newActions(state, 4)).toEqual([waitAction()]);
  });

  it('finalizes as cancelled on cancel', async () => {
    const history = pausedAt(10)
      .timerCreated(2, DEADLINE)
      .endEpisode()
      .episode(at(60))
      .raised('cancel', null);
    const state = await episode(history);
    expect(newActions(state, 2)).toEqual([
      waitAction(true),
      activity('jobFinalize', finalizeInput({ outcome: 'cancelled', cursor: cursorAt(2) })),
    ]);
  });

  it('fails the job at its deadline: maxExecutionTimeInSeconds keeps counting while paused', async () => {
    const history = pausedAt(10)
      .timerCreated(2, DEADLINE)
      .endEpisode()
      .episode(DEADLINE)
      .timerFired(2, DEADLINE);
    const state = await episode(history);
    expect(newActions(state, 3)).toEqual([deadlineFinalize(cursorAt(2))]);
  });
});

describe('job orchestrator: maintenance windows', () => {
  const DEADLINE = at(3600);
  const OPENS = at(1800);
  /** A run whose first step found the job outside its maintenance windows. */
  const waitingAt = (seconds: number, nextWindowStart: string | null = OPENS) =>
    markedRunning()
      .scheduled(1, 'jobRunDevices')
      .endEpisode()
      .episode(at(seconds))
      .completed(1, {
        done: false,
        cursor: START,
        stoppedBy: 'maintenanceWindow',
        ...(nextWindowStart === null ? {} : { nextWindowStart }),
      });
  const waitAction = (fireAt: string, canceled = false) => ({
    actionType: 11,
    compoundActions: [
      { actionType: 6, externalEventName: 'resume', reason: 'ExternalEvent' },
      { actionType: 6, externalEventName: 'cancel', reason: 'ExternalEvent' },
      { actionType: 5, fireAt, isCanceled: canceled },
    ],
  });

  it('waits on a durable timer for the next window (raced with resume and cancel), scheduling no activity', async () => {
    const state = await episode(waitingAt(2));
    expect(state.isDone).toBe(false);
    expect(newActions(state, 2)).toEqual([waitAction(OPENS)]);
  });

  it('waits until the deadline when no window opens before it', async () => {
    expect(newActions(await episode(waitingAt(2, at(5000))), 2)).toEqual([waitAction(DEADLINE)]);
    expect(newActions(await episode(waitingAt(2, null)), 2)).toEqual([waitAction(DEADLINE)]);
  });

  it('runs the next step from its cursor when the window opens', async () => {
    const history = waitingAt(2).timerCreated(2, OPENS).endEpisode().episode(OPENS).timerFired(2, OPENS);
    const state = await episode(history);
    expect(newActions(state, 3)).toEqual([activity('jobRunDevices', runInput(START))]);
  });

  it('fails the job at its deadline while waiting', async () => {
    const history = waitingAt(2, null)
      .timerCreated(2, DEADLINE)
      .endEpisode()
      .episode(DEADLINE)
      .timerFired(2, DEADLINE);
    const state = await episode(history);
    expect(newActions(state, 3)).toEqual([deadlineFinalize(START)]);
  });

  it('finalizes as cancelled on cancel while waiting', async () => {
    const history = waitingAt(2).timerCreated(2, OPENS).endEpisode().episode(at(60)).raised('cancel', null);
    const state = await episode(history);
    expect(newActions(state, 2)).toEqual([
      waitAction(OPENS, true),
      activity('jobFinalize', finalizeInput({ outcome: 'cancelled', cursor: START })),
    ]);
  });

  it('cancels the job when a window ends with endBehavior cancel', async () => {
    const history = markedRunning()
      .scheduled(1, 'jobRunDevices')
      .endEpisode()
      .episode(at(60))
      .completed(1, { done: false, cursor: cursorAt(1), stoppedBy: 'maintenanceWindowEnded' });
    const state = await episode(history);
    expect(newActions(state, 2)).toEqual([
      activity(
        'jobFinalize',
        finalizeInput({
          outcome: 'cancelled',
          cursor: cursorAt(1),
          statusMessage:
            'Cancelled: the maintenance window ended before every device ran (endBehavior: cancel).',
        }),
      ),
    ]);
  });

  it('is a v4 behaviour only: v3 steps are not asked to apply windows', async () => {
    const state = await runEpisode(
      handler(JOB_ORCHESTRATOR_V3_NAME),
      JOB,
      input(),
      markedRunning(JOB_ORCHESTRATOR_V3_NAME).events,
    );
    const { windowAware: _, ...v3Input } = runInput(START);
    expect(newActions(state, 1)).toEqual([activity('jobRunDevices', v3Input)]);
  });
});

describe('job orchestrator: completion conditions (v4)', () => {
  const waiting = { ...cursorAt(2, true), completionWaits: true };
  const ranAll = (name = ORCHESTRATOR) =>
    markedRunning(name)
      .scheduled(1, 'jobRunDevices')
      .endEpisode()
      .episode(at(20))
      .completed(1, { done: true, cursor: waiting });

  it('settles waiting devices, then waits for a wake event, the next due wait or cancel before settling again', async () => {
    const history = ranAll();
    const settling = await episode(history);
    expect(newActions(settling, 2)).toEqual([activity('jobSettleCompletions', { jobId: JOB })]);

    const executed = { succeeded: 5, failed: 0, timedOut: 0 };
    history
      .scheduled(2, 'jobSettleCompletions')
      .endEpisode()
      .episode(at(21))
      .completed(2, { remaining: true, wakeAt: at(80), executed });
    const waitingState = await episode(history);
    const waits = flatActions(waitingState).slice(3);
    expect(waits).toEqual([
      expect.objectContaining({ externalEventName: 'completionSignal' }),
      expect.objectContaining({ externalEventName: 'cancel' }),
      expect.objectContaining({ fireAt: at(80) }),
    ]);

    history.timerCreated(3, at(80)).endEpisode().episode(at(30)).raised('completionSignal', null);
    const woken = await episode(history);
    expect(flatActions(woken).slice(-1)).toEqual([
      activity('jobSettleCompletions', { jobId: JOB, executed }),
    ]);

    history
      .scheduled(4, 'jobSettleCompletions')
      .endEpisode()
      .episode(at(31))
      .completed(4, { remaining: false, executed: { ...executed, succeeded: 7 } });
    const finishing = await episode(history);
    expect(flatActions(finishing).slice(-1)).toEqual([
      activity(
        'jobFinalize',
        finalizeInput({
          outcome: 'completed',
          cursor: { ...waiting, executed: { ...executed, succeeded: 7 } },
        }),
      ),
    ]);
    expect(JSON.stringify(history.events)).not.toContain('device-');
  });

  it('fails the job as aborted when settled results meet its abort criteria', async () => {
    const history = ranAll()
      .scheduled(2, 'jobSettleCompletions')
      .endEpisode()
      .episode(at(21))
      .completed(2, {
        remaining: true,
        executed: { succeeded: 0, failed: 0, timedOut: 3 },
        abortReason: 'too many',
      });
    const state = await episode(history);
    expect(flatActions(state).slice(-1)).toEqual([
      activity(
        'jobFinalize',
        finalizeInput({
          outcome: 'failed',
          failureReason: 'too many',
          settleAs: 'canceled',
          cursor: { ...waiting, executed: { succeeded: 0, failed: 0, timedOut: 3 } },
        }),
      ),
    ]);
  });

  it('leaves v3 histories as they were: the run ends with finalize', async () => {
    const state = await runEpisode(
      handler(JOB_ORCHESTRATOR_V3_NAME),
      JOB,
      input(),
      ranAll(JOB_ORCHESTRATOR_V3_NAME).events,
    );
    expect(newActions(state, 2)).toEqual([
      activity('jobFinalize', finalizeInput({ outcome: 'completed', cursor: waiting })),
    ]);
  });
});
