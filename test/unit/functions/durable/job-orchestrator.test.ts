import '../../../../functions/durable/job.orchestrator';
import {
  JOB_ORCHESTRATOR_NAME,
  JOB_ORCHESTRATOR_V2_NAME,
  JOB_ORCHESTRATOR_V3_NAME,
} from '../../../../functions/durable/job-function-names';
import { registeredFunctions } from '../../../support/functions-core-stand-in';
import { DEFAULT_JOB_SETTINGS } from '../../../../shared/jobs/core/job-settings';
import type { JobOrchestrationInput } from '../../../../shared/jobs/core/ports';
import { EventType } from '../../../../packages/func-local/durable/history-event';
import type { ActivityScript, OrchestrationRun } from '../../../support/durable-harness/durable-harness';
import { DurableHarness, replies, took } from '../../../support/durable-harness/durable-harness';

const ORCHESTRATOR = JOB_ORCHESTRATOR_NAME;

const T0 = '2026-11-26T06:00:00.000Z';
const at = (seconds: number) => new Date(Date.parse(T0) + seconds * 1000).toISOString();
const JOB = 'reboot-43-3';
const DEADLINE = at(3600);

const input = (overrides: Partial<JobOrchestrationInput> = {}): JobOrchestrationInput => ({
  jobId: JOB,
  startTime: T0,
  maxExecutionTimeInSeconds: 3600,
  settings: { ...DEFAULT_JOB_SETTINGS, shardSize: 100, maxDevicesInFlight: 50 },
  ...overrides,
});

const START = { shardCount: 0, nextShard: 0, targets: { done: false } };
const cursorAt = (shards: number, done = false) =>
  done
    ? { shardCount: shards, nextShard: shards, targets: { done: true } }
    : { shardCount: shards, nextShard: shards, targets: { done: false, continuation: `page-${shards}` } };
const runInput = (cursor: unknown, deadline = DEADLINE) => ({
  jobId: JOB,
  deadline,
  maxDevicesInFlight: 50,
  shardSize: 100,
  cursor,
  pausable: true,
  windowAware: true,
});
const finalizeInput = (fields: Record<string, unknown>) => ({ jobId: JOB, shardSize: 100, ...fields });
const deadlineFields = {
  outcome: 'failed',
  deviceErrorCode: 'JobMaxExecutionTimeExceeded',
  failureReason: 'maxExecutionTimeInSeconds (3600 s) elapsed before every device was processed.',
};
/** The finalize a job's deadline calls for (3600 s): failed, devices not run failed with the deadline code. */
const deadlineFinalize = (cursor: unknown) => finalizeInput({ ...deadlineFields, cursor });

interface JobScripts {
  markRunning?: ActivityScript;
  run?: ActivityScript;
  settle?: ActivityScript;
  finalize?: ActivityScript;
}

/**
 * A job orchestration under the harness: marking it running takes 1 s and finalize answers done, unless the
 * scenario scripts them otherwise; the run steps and settle steps are the scenario's.
 */
function startJob(scripts: JobScripts, orchestrationInput = input(), name = ORCHESTRATOR): OrchestrationRun {
  const durable = new DurableHarness({ start: T0 })
    .activity(
      'jobMarkRunning',
      scripts.markRunning ?? (() => took(1000, { proceed: true, status: 'running' })),
    )
    .activity('jobFinalize', scripts.finalize ?? (() => took(500, { done: true, status: 'ended' })));
  if (scripts.run) durable.activity('jobRunDevices', scripts.run);
  if (scripts.settle) durable.activity('jobSettleCompletions', scripts.settle);
  return durable.start(name, orchestrationInput, JOB);
}

/** The activity calls of a run as [name, input] pairs, in order. */
const calls = (run: OrchestrationRun) => run.activityCalls.map((call) => [call.name, call.input]);
/** When each activity call started. */
const callTimes = (run: OrchestrationRun) => run.activityCalls.map((call) => `${call.name}@${call.at}`);

describe('job orchestrator registration', () => {
  it('registers under the versioned name with an orchestration trigger, and keeps v3 and v2 for older instances', () => {
    expect(ORCHESTRATOR).toBe('jobOrchestrator_v4');
    for (const name of [ORCHESTRATOR, JOB_ORCHESTRATOR_V3_NAME, JOB_ORCHESTRATOR_V2_NAME]) {
      const registered = registeredFunctions.get(name);
      expect(Object.values(registered?.bindings ?? {}).map((b) => b.type)).toEqual(['orchestrationTrigger']);
    }
  });

  it('runs a v2 instance with the same calls as before (its steps are not asked to return on a pause)', async () => {
    const run = await startJob(
      {
        run: replies(took(119_000, { done: false, cursor: cursorAt(40) }), {
          done: true,
          cursor: cursorAt(41, true),
        }),
      },
      input(),
      JOB_ORCHESTRATOR_V2_NAME,
    ).untilDone();
    const { pausable: _ignored, windowAware: _notV2, ...v2Input } = runInput(cursorAt(40));
    expect(calls(run)[2]).toEqual(['jobRunDevices', v2Input]);
    expect(run.output).toEqual({ jobId: JOB, outcome: 'completed', runSteps: 2 });
  });
});

describe('job orchestrator: waiting for the start time', () => {
  const later = input({ startTime: at(5) });

  it('arms a timer for the start time raced against the cancel event', async () => {
    const run = await startJob({}, later).settle({ until: at(1) });
    expect(run.status).toBe('Running');
    expect(run.activityCalls).toEqual([]);
    expect(run.timers).toEqual([{ createdAt: T0, fireAt: at(5), canceled: false }]);
    expect(run.waitingFor()).toEqual({ events: ['cancel'], timers: [at(5)], activities: [] });
  });

  it('marks the job running when the timer fires, with the actual start time', async () => {
    const run = await startJob({ run: () => ({ done: true, cursor: cursorAt(1, true) }) }, later).untilDone();
    expect(run.timers[0]?.firedAt).toBe(at(5));
    expect(run.activityCalls[0]).toMatchObject({
      name: 'jobMarkRunning',
      input: { jobId: JOB, runStartedTime: at(5) },
      at: at(5),
    });
  });

  it('stops waiting at once on cancel: cancels the timer and finalizes as cancelled', async () => {
    const run = startJob({}, later).raiseEvent('cancel', null, at(1));
    await run.untilDone();
    expect(run.timers).toEqual([{ createdAt: T0, fireAt: at(5), canceled: true }]);
    expect(calls(run)).toEqual([['jobFinalize', finalizeInput({ outcome: 'cancelled' })]]);
    expect(callTimes(run)).toEqual([`jobFinalize@${at(1)}`]);
    expect(run.output).toEqual({ jobId: JOB, outcome: 'cancelled', runSteps: 0 });
  });
});

describe('job orchestrator: running', () => {
  it('starts at once when the start time has passed: mark running, then the first run step', async () => {
    const run = await startJob({ run: () => ({ done: true, cursor: cursorAt(1, true) }) }).untilDone();
    expect(calls(run).slice(0, 2)).toEqual([
      ['jobMarkRunning', { jobId: JOB, runStartedTime: T0 }],
      ['jobRunDevices', runInput(START)],
    ]);
    expect(callTimes(run).slice(0, 2)).toEqual([`jobMarkRunning@${T0}`, `jobRunDevices@${at(1)}`]);
    expect(run.timers).toEqual([]);
  });

  it('continues a run whose step ran out of time budget from its cursor, then completes', async () => {
    const run = await startJob({
      run: replies(
        took(119_000, { done: false, cursor: cursorAt(40) }),
        took(30_000, { done: true, cursor: cursorAt(55, true) }),
      ),
    }).untilDone();
    expect(calls(run)).toEqual([
      ['jobMarkRunning', { jobId: JOB, runStartedTime: T0 }],
      ['jobRunDevices', runInput(START)],
      ['jobRunDevices', runInput(cursorAt(40))],
      ['jobFinalize', finalizeInput({ outcome: 'completed', cursor: cursorAt(55, true) })],
    ]);
    expect(callTimes(run).slice(2)).toEqual([`jobRunDevices@${at(120)}`, `jobFinalize@${at(150)}`]);
    expect(run.status).toBe('Completed');
    expect(run.output).toEqual({ jobId: JOB, outcome: 'completed', runSteps: 2 });
    // History holds one small cursor per step: 4 calls, 2 episodes each, whatever the number of devices.
    expect(run.history.filter((e) => e.EventType === EventType.TaskScheduled)).toHaveLength(4);
  });

  it.each([
    ['cancelled', { outcome: 'cancelled' }],
    ['deadline', deadlineFields],
    ['aborted', { outcome: 'failed', failureReason: 'too many failures', settleAs: 'canceled' }],
  ])('finalizes from the cursor when a step stops for %s', async (stoppedBy, fields) => {
    const step = { done: false, cursor: cursorAt(3), stoppedBy, abortReason: 'too many failures' };
    const run = await startJob({ run: () => took(9000, step) }).untilDone();
    expect(calls(run).slice(2)).toEqual([['jobFinalize', finalizeInput({ ...fields, cursor: cursorAt(3) })]]);
    expect(run.output).toMatchObject({ outcome: fields.outcome, runSteps: 1 });
  });

  it('asks finalize to roll back when an aborted step says so', async () => {
    const step = {
      done: false,
      cursor: cursorAt(3),
      stoppedBy: 'aborted',
      abortReason: 'bad',
      abortAction: 'rollback',
    };
    const run = await startJob({ run: () => step }).untilDone();
    expect(calls(run).at(-1)).toEqual([
      'jobFinalize',
      finalizeInput({
        outcome: 'failed',
        failureReason: 'bad',
        settleAs: 'canceled',
        rollBack: true,
        cursor: cursorAt(3),
      }),
    ]);
  });

  it('repeats finalize from its cursor until it is done (settling runs in time-bounded steps)', async () => {
    const run = await startJob({
      run: () => took(9000, { done: false, cursor: cursorAt(3), stoppedBy: 'cancelled' }),
      finalize: replies(took(120_000, { done: false, cursor: cursorAt(9) }), {
        done: true,
        status: 'cancelled',
      }),
    }).untilDone();
    expect(calls(run).slice(2)).toEqual([
      ['jobFinalize', finalizeInput({ outcome: 'cancelled', cursor: cursorAt(3) })],
      ['jobFinalize', finalizeInput({ outcome: 'cancelled', cursor: cursorAt(9) })],
    ]);
    expect(run.output).toEqual({ jobId: JOB, outcome: 'cancelled', runSteps: 1 });
  });

  it('does not run a job cancelled before it was marked running', async () => {
    const run = await startJob({ markRunning: () => ({ proceed: false, status: 'cancelled' }) }).untilDone();
    expect(calls(run)).toEqual([
      ['jobMarkRunning', { jobId: JOB, runStartedTime: T0 }],
      ['jobFinalize', finalizeInput({ outcome: 'cancelled' })],
    ]);
    expect(run.output).toEqual({ jobId: JOB, outcome: 'cancelled', runSteps: 0 });
  });

  it('fails the job when the deadline passed before the next step could start', async () => {
    const short = input({ maxExecutionTimeInSeconds: 60 });
    const run = await startJob(
      { run: () => took(89_000, { done: false, cursor: cursorAt(2) }) },
      short,
    ).untilDone();
    expect(calls(run).slice(1)).toEqual([
      ['jobRunDevices', runInput(START, at(60))],
      [
        'jobFinalize',
        finalizeInput({
          outcome: 'failed',
          deviceErrorCode: 'JobMaxExecutionTimeExceeded',
          failureReason: 'maxExecutionTimeInSeconds (60 s) elapsed before every device was processed.',
          cursor: cursorAt(2),
        }),
      ],
    ]);
    expect(callTimes(run).at(-1)).toBe(`jobFinalize@${at(90)}`);
  });

  it('retries a failing activity with the job retry policy (back-off), then fails the job with the reason', async () => {
    const twice = input({
      settings: {
        ...input().settings,
        activityRetry: { ...DEFAULT_JOB_SETTINGS.activityRetry, maxNumberOfAttempts: 2 },
      },
    });
    const run = await startJob(
      { run: () => took(1000, new Error('registry unreachable')) },
      twice,
    ).untilDone();
    // 2 s after the first failure, then the last attempt's failure reaches the orchestrator 4 s after it failed.
    expect(run.activityCalls.map((c) => [c.name, c.attempt, c.at])).toEqual([
      ['jobMarkRunning', 1, T0],
      ['jobRunDevices', 1, at(1)],
      ['jobRunDevices', 2, at(4)],
      ['jobFinalize', 1, at(9)],
    ]);
    const finalize = run.activityCalls[3]?.input as { failureReason: string };
    // Targets not resolved yet are not resolved for settling: the failure may be the resolution itself.
    expect(finalize).toMatchObject({
      jobId: JOB,
      outcome: 'failed',
      cursor: { shardCount: 0, nextShard: 0, targets: { done: true } },
    });
    expect(finalize.failureReason).toMatch(/^An activity failed after its retries: .*registry unreachable/);
    expect(run.output).toMatchObject({ outcome: 'failed', failureReason: finalize.failureReason });
  });
});

describe('job orchestrator: pause and resume', () => {
  const paused = { done: false, cursor: cursorAt(2), stoppedBy: 'paused' };
  const waits = { events: ['resume', 'cancel'], timers: [DEADLINE], activities: [] };

  it('waits for resume, cancel or the deadline, with no activity scheduled', async () => {
    const run = await startJob({ run: () => took(9000, paused) }).settle({ until: at(3000) });
    expect(run.waitingFor()).toEqual(waits);
    expect(calls(run).map(([name]) => name)).toEqual(['jobMarkRunning', 'jobRunDevices']);
    expect(run.timers).toEqual([{ createdAt: at(10), fireAt: DEADLINE, canceled: false }]);
  });

  it('on resume cancels the deadline timer and runs the next step from the cursor', async () => {
    const run = startJob({ run: replies(took(9000, paused), { done: true, cursor: cursorAt(3, true) }) });
    await run.raiseEvent('resume', null, at(300)).untilDone();
    expect(run.timers).toEqual([{ createdAt: at(10), fireAt: DEADLINE, canceled: true }]);
    expect(run.activityCalls[2]).toMatchObject({
      name: 'jobRunDevices',
      input: runInput(cursorAt(2)),
      at: at(300),
    });
    expect(run.output).toMatchObject({ outcome: 'completed', runSteps: 2 });
  });

  it('waits again when the next step finds the job paused again (a resume older than the pause)', async () => {
    const run = startJob({ run: replies(took(9000, paused), took(1000, paused)) }).raiseEvent(
      'resume',
      null,
      at(11),
    );
    await run.settle({ until: at(3000) });
    expect(run.waitingFor()).toEqual(waits);
    expect(run.timers.map((t) => [t.createdAt, t.canceled])).toEqual([
      [at(10), true],
      [at(12), false],
    ]);
  });

  it('finalizes as cancelled on cancel', async () => {
    const run = await startJob({ run: () => took(9000, paused) })
      .raiseEvent('cancel', null, at(60))
      .untilDone();
    expect(run.timers[0]?.canceled).toBe(true);
    expect(calls(run).slice(2)).toEqual([
      ['jobFinalize', finalizeInput({ outcome: 'cancelled', cursor: cursorAt(2) })],
    ]);
    expect(callTimes(run).at(-1)).toBe(`jobFinalize@${at(60)}`);
  });

  it('fails the job at its deadline: maxExecutionTimeInSeconds keeps counting while paused', async () => {
    const run = await startJob({ run: () => took(9000, paused) }).untilDone();
    expect(run.timers[0]?.firedAt).toBe(DEADLINE);
    expect(calls(run).slice(2)).toEqual([['jobFinalize', deadlineFinalize(cursorAt(2))]]);
    expect(run.output).toMatchObject({ outcome: 'failed', runSteps: 1 });
  });
});

describe('job orchestrator: maintenance windows', () => {
  const OPENS = at(1800);
  /** A first step that found the job outside its maintenance windows (it took 1 s). */
  const outsideWindow = (nextWindowStart: string | null = OPENS) =>
    took(1000, {
      done: false,
      cursor: START,
      stoppedBy: 'maintenanceWindow',
      ...(nextWindowStart === null ? {} : { nextWindowStart }),
    });
  const waits = (timer: string) => ({ events: ['resume', 'cancel'], timers: [timer], activities: [] });

  it('waits on a durable timer for the next window (raced with resume and cancel), scheduling no activity', async () => {
    const run = await startJob({ run: () => outsideWindow() }).settle({ until: at(60) });
    expect(run.waitingFor()).toEqual(waits(OPENS));
    expect(run.activityCalls).toHaveLength(2);
  });

  it('waits until the deadline when no window opens before it', async () => {
    const beyond = await startJob({ run: () => outsideWindow(at(5000)) }).settle({ until: at(60) });
    expect(beyond.waitingFor()).toEqual(waits(DEADLINE));
    const none = await startJob({ run: () => outsideWindow(null) }).settle({ until: at(60) });
    expect(none.waitingFor()).toEqual(waits(DEADLINE));
  });

  it('runs the next step from its cursor when the window opens', async () => {
    const run = await startJob({
      run: replies(outsideWindow(), { done: true, cursor: cursorAt(1, true) }),
    }).untilDone();
    expect(run.activityCalls[2]).toMatchObject({ name: 'jobRunDevices', input: runInput(START), at: OPENS });
    expect(run.output).toMatchObject({ outcome: 'completed' });
  });

  it('fails the job at its deadline while waiting', async () => {
    const run = await startJob({ run: () => outsideWindow(null) }).untilDone();
    expect(calls(run).slice(2)).toEqual([['jobFinalize', deadlineFinalize(START)]]);
    expect(callTimes(run).at(-1)).toBe(`jobFinalize@${DEADLINE}`);
  });

  it('finalizes as cancelled on cancel while waiting', async () => {
    const run = await startJob({ run: () => outsideWindow() })
      .raiseEvent('cancel', null, at(60))
      .untilDone();
    expect(run.timers).toEqual([{ createdAt: at(2), fireAt: OPENS, canceled: true }]);
    expect(calls(run).slice(2)).toEqual([
      ['jobFinalize', finalizeInput({ outcome: 'cancelled', cursor: START })],
    ]);
  });

  it('cancels the job when a window ends with endBehavior cancel', async () => {
    const run = await startJob({
      run: () => took(59_000, { done: false, cursor: cursorAt(1), stoppedBy: 'maintenanceWindowEnded' }),
    }).untilDone();
    expect(calls(run).slice(2)).toEqual([
      [
        'jobFinalize',
        finalizeInput({
          outcome: 'cancelled',
          cursor: cursorAt(1),
          statusMessage:
            'Cancelled: the maintenance window ended before every device ran (endBehavior: cancel).',
        }),
      ],
    ]);
  });

  it('is a v4 behaviour only: v3 steps are not asked to apply windows', async () => {
    const run = await startJob(
      { run: () => ({ done: true, cursor: cursorAt(1, true) }) },
      input(),
      JOB_ORCHESTRATOR_V3_NAME,
    ).untilDone();
    const { windowAware: _, ...v3Input } = runInput(START);
    expect(calls(run)[1]).toEqual(['jobRunDevices', v3Input]);
  });
});

describe('job orchestrator: completion conditions (v4)', () => {
  const waiting = { ...cursorAt(2, true), completionWaits: true };
  const ranAll = () => took(19_000, { done: true, cursor: waiting });
  const executed = { succeeded: 5, failed: 0, timedOut: 0 };

  it('settles waiting devices, then waits for a wake event, the next due wait or cancel before settling again', async () => {
    const run = startJob({
      run: ranAll,
      settle: replies(
        took(1000, { remaining: true, wakeAt: at(80), executed }),
        took(1000, { remaining: false, executed: { ...executed, succeeded: 7 } }),
      ),
    });
    await run.settle({ until: at(25) });
    expect(calls(run).at(-1)).toEqual(['jobSettleCompletions', { jobId: JOB }]);
    expect(run.waitingFor()).toEqual({
      events: ['completionSignal', 'cancel'],
      timers: [at(80)],
      activities: [],
    });

    await run.raiseEvent('completionSignal', null, at(30)).untilDone();
    expect(run.timers).toEqual([{ createdAt: at(21), fireAt: at(80), canceled: true }]);
    expect(calls(run).slice(3)).toEqual([
      ['jobSettleCompletions', { jobId: JOB, executed }],
      [
        'jobFinalize',
        finalizeInput({
          outcome: 'completed',
          cursor: { ...waiting, executed: { ...executed, succeeded: 7 } },
        }),
      ],
    ]);
    expect(callTimes(run).slice(3)).toEqual([`jobSettleCompletions@${at(30)}`, `jobFinalize@${at(31)}`]);
  });

  it('settles again when the next due wait comes first', async () => {
    const run = await startJob({
      run: ranAll,
      settle: replies(took(1000, { remaining: true, wakeAt: at(80), executed }), {
        remaining: false,
        executed,
      }),
    }).untilDone();
    expect(run.timers[0]?.firedAt).toBe(at(80));
    expect(callTimes(run).slice(3, 4)).toEqual([`jobSettleCompletions@${at(80)}`]);
  });

  it('fails the job as aborted when settled results meet its abort criteria', async () => {
    const tripped = { succeeded: 0, failed: 0, timedOut: 3 };
    const run = await startJob({
      run: ranAll,
      settle: () => ({ remaining: true, executed: tripped, abortReason: 'too many' }),
    }).untilDone();
    expect(calls(run).at(-1)).toEqual([
      'jobFinalize',
      finalizeInput({
        outcome: 'failed',
        failureReason: 'too many',
        settleAs: 'canceled',
        cursor: { ...waiting, executed: tripped },
      }),
    ]);
  });

  it('leaves v3 instances as they were: the run ends with finalize', async () => {
    const run = await startJob({ run: ranAll }, input(), JOB_ORCHESTRATOR_V3_NAME).untilDone();
    expect(calls(run).slice(2)).toEqual([
      ['jobFinalize', finalizeInput({ outcome: 'completed', cursor: waiting })],
    ]);
  });
});

describe('job orchestrator: continuous jobs (v4)', () => {
  const continuous = input({ continuous: true });
  const ended = { done: true, cursor: cursorAt(1, true) };

  it('waits for devices to join once its devices ended, runs them, and completes at its end time', async () => {
    const run = startJob({ run: replies(took(9000, ended), took(1000, ended)) }, continuous);
    await run.settle({ until: at(100) });
    expect(run.waitingFor()).toEqual({
      events: ['join', 'resume', 'cancel'],
      timers: [DEADLINE],
      activities: [],
    });

    await run.raiseEvent('join', null, at(200)).untilDone();
    expect(callTimes(run).slice(1, 3)).toEqual([`jobRunDevices@${at(1)}`, `jobRunDevices@${at(200)}`]);
    expect(calls(run).at(-1)).toEqual([
      'jobFinalize',
      finalizeInput({
        outcome: 'completed',
        deviceErrorCode: 'JobMaxExecutionTimeExceeded',
        statusMessage: 'Completed: a continuous job ends at its maxExecutionTimeInSeconds (3600 s).',
        cursor: cursorAt(1, true),
      }),
    ]);
    expect(callTimes(run).at(-1)).toBe(`jobFinalize@${DEADLINE}`);
  });

  it('is a v4 behaviour only: a v3 continuous instance completes when its devices ended', async () => {
    const run = await startJob({ run: () => ended }, continuous, JOB_ORCHESTRATOR_V3_NAME).untilDone();
    expect(calls(run).at(-1)).toEqual([
      'jobFinalize',
      finalizeInput({ outcome: 'completed', cursor: cursorAt(1, true) }),
    ]);
  });
});
