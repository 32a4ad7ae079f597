import * as df from 'durable-functions';
import type { OrchestrationContext } from 'durable-functions';
import {
  DurableHarness,
  NonDeterminismError,
  ScenarioError,
  replies,
  took,
} from '../../support/durable-harness/durable-harness';

const T0 = '2026-12-06T10:00:00.000Z';
const at = (seconds: number) => new Date(Date.parse(T0) + seconds * 1000).toISOString();

function retry(attempts: number): df.RetryOptions {
  const options = new df.RetryOptions(1000, attempts);
  options.backoffCoefficient = 2;
  return options;
}

df.app.orchestration('harnessSequence', function* (context: OrchestrationContext) {
  const first = (yield context.df.callActivityWithRetry('harnessStep', retry(3), { step: 1 })) as number;
  yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 60_000));
  context.df.setCustomStatus({ first });
  const second = (yield context.df.callActivity('harnessStep', { step: 2, after: first })) as number;
  return first + second;
});

df.app.orchestration('harnessApproval', function* (context: OrchestrationContext) {
  const approval = context.df.waitForExternalEvent('approve');
  const timeout = context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 3_600_000));
  const winner: unknown = yield context.df.Task.any([approval, timeout]);
  if (winner === timeout) return 'timed out';
  timeout.cancel();
  return `approved by ${String(approval.result)}`;
});

df.app.orchestration('harnessEventOnly', function* (context: OrchestrationContext) {
  return (yield context.df.waitForExternalEvent('approve')) as unknown;
});

df.app.orchestration('harnessRandomInput', function* (context: OrchestrationContext) {
  // Deliberately non-deterministic: a replay computes another input.
  return (yield context.df.callActivity('harnessStep', { nonce: Math.random() })) as unknown;
});

let branchReplays = 0;
df.app.orchestration('harnessChangingBranch', function* (context: OrchestrationContext) {
  branchReplays += 1;
  // Deliberately non-deterministic: module state makes a replay take the other branch.
  yield context.df.callActivity(branchReplays === 1 ? 'harnessStep' : 'harnessOtherStep', null);
  return 'done';
});

df.app.orchestration('harnessTicker', function* (context: OrchestrationContext) {
  for (;;) yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 1000));
});

df.app.orchestration('harnessGenerations', function* (context: OrchestrationContext) {
  const generation = context.df.getInput<number>();
  yield context.df.callActivity('harnessStep', generation);
  if (generation < 2) context.df.continueAsNew(generation + 1);
  return generation;
});

df.app.orchestration('harnessThrows', function* (context: OrchestrationContext) {
  yield context.df.callActivity('harnessStep', null);
  throw new Error('the orchestrator gave up');
});

df.app.activity('harnessRealStep', { handler: (input: unknown) => ({ doubled: (input as number) * 2 }) });
df.app.orchestration('harnessUsesRealActivity', function* (context: OrchestrationContext) {
  return (yield context.df.callActivity('harnessRealStep', 21)) as unknown;
});

describe('the durable test harness', () => {
  it('runs activities, retries and timers on the virtual clock and records what the orchestrator did', async () => {
    const durable = new DurableHarness({ start: T0 }).activity(
      'harnessStep',
      replies(new Error('flaky'), took(5_000, 20), 22),
    );
    const run = await durable.start('harnessSequence', null, 'seq-1').untilDone();

    expect(run.status).toBe('Completed');
    expect(run.output).toBe(42);
    expect(run.customStatus).toEqual({ first: 20 });
    // The retry waits the policy's first interval (1 s) after the failure; the answer takes 5 s of virtual time.
    expect(run.activityCalls).toEqual([
      { name: 'harnessStep', input: { step: 1 }, attempt: 1, at: at(0) },
      { name: 'harnessStep', input: { step: 1 }, attempt: 2, at: at(1) },
      { name: 'harnessStep', input: { step: 2, after: 20 }, attempt: 1, at: at(66) },
    ]);
    expect(run.timers).toEqual([{ createdAt: at(6), fireAt: at(66), canceled: false, firedAt: at(66) }]);
    expect(durable.clock.now().toISOString()).toBe(at(66));
  });

  it('delivers events at the time the scenario raises them, and reports the cancelled timer', async () => {
    const run = new DurableHarness({ start: T0 }).start('harnessApproval', null, 'approval-1');
    run.raiseEvent('approve', 'ops', at(120));
    await run.untilDone();
    expect(run.output).toBe('approved by ops');
    expect(run.events).toEqual([{ name: 'approve', input: 'ops', at: at(120) }]);
    expect(run.timers).toEqual([{ createdAt: at(0), fireAt: at(3600), canceled: true }]);
  });

  it('fires a timer that nothing pre-empts, and can stop at a time to look at what the run waits for', async () => {
    const run = new DurableHarness({ start: T0 }).start('harnessApproval', null, 'approval-2');
    await run.settle({ until: at(600) });
    expect(run.status).toBe('Running');
    expect(run.waitingFor()).toEqual({ events: ['approve'], timers: [at(3600)], activities: [] });
    await run.untilDone();
    expect(run.output).toBe('timed out');
    expect(run.timers[0]?.firedAt).toBe(at(3600));
  });

  it('fails a run that waits forever on something the scenario never provides', async () => {
    const run = new DurableHarness({ start: T0 }).start('harnessEventOnly', null, 'forever-1');
    await expect(run.untilDone()).rejects.toThrow(ScenarioError);
    await expect(run.untilDone()).rejects.toThrow(/waits forever.*events \[approve\]/);
    run.raiseEvent('approve', 'later');
    await run.untilDone();
    expect(run.output).toBe('later');
  });

  it('fails a run that never waits, unless the scenario settles it until a time', async () => {
    const unbounded = new DurableHarness({ start: T0, maxEpisodes: 20 }).start(
      'harnessTicker',
      null,
      'ticker-1',
    );
    await expect(unbounded.settle()).rejects.toThrow(/did not settle within 20 episodes/);
    const bounded = new DurableHarness({ start: T0, maxEpisodes: 20 }).start(
      'harnessTicker',
      null,
      'ticker-2',
    );
    await bounded.settle({ until: at(10) });
    expect(bounded.status).toBe('Running');
    expect(bounded.timers).toHaveLength(11);
    expect(bounded.timers.at(-1)).toEqual({ createdAt: at(10), fireAt: at(11), canceled: false });
  });

  it('detects an orchestrator whose replay passes other inputs (replaying the recorded history)', async () => {
    // One episode only (the answer takes a minute): the check that replays the recorded history catches it.
    const waiting = new DurableHarness({ start: T0 })
      .activity('harnessStep', () => took(60_000, 'ok'))
      .start('harnessRandomInput', null, 'random-1');
    await expect(waiting.settle({ until: T0 })).rejects.toThrow(NonDeterminismError);
    expect(waiting.episodes).toBe(1);
    // Two episodes: the second one's replay already differs.
    const answered = new DurableHarness({ start: T0 })
      .activity('harnessStep', () => 'ok')
      .start('harnessRandomInput', null, 'random-2');
    await expect(answered.untilDone()).rejects.toThrow(
      /^Episode 2 at .*: action 0 was CallActivity .*nonce.* but replaying the recorded history yields/,
    );
  });

  it('detects an orchestrator whose replay schedules another activity (the planner against the history)', async () => {
    const run = new DurableHarness({ start: T0 })
      .activity('harnessStep', () => 'ok')
      .activity('harnessOtherStep', () => 'ok')
      .start('harnessChangingBranch', null, 'branch-1');
    await expect(run.untilDone()).rejects.toThrow(/Non-Deterministic workflow detected/);
  });

  it('treats an unscripted activity or a call beyond the script as an incomplete scenario', async () => {
    await expect(
      new DurableHarness({ start: T0 }).start('harnessThrows', null, 'unscripted').untilDone(),
    ).rejects.toThrow(/activity 'harnessStep', which the scenario does not script/);
    await expect(
      new DurableHarness({ start: T0 })
        .activity('harnessStep', replies(1))
        .start('harnessGenerations', 0, 'short-script')
        .untilDone(),
    ).rejects.toThrow(/called 2 times; the scenario scripts 1 answers/);
  });

  it('reports an orchestrator that throws as a failed orchestration', async () => {
    const run = await new DurableHarness({ start: T0 })
      .activity('harnessStep', () => null)
      .start('harnessThrows', null, 'throws-1')
      .untilDone();
    expect(run.status).toBe('Failed');
    expect(run.failure).toMatch(/the orchestrator gave up/);
  });

  it('continues as new in a fresh execution with the new input', async () => {
    const run = await new DurableHarness({ start: T0 })
      .activity('harnessStep', () => null)
      .start('harnessGenerations', 0, 'generations-1')
      .untilDone();
    expect(run.continuedAsNew).toEqual([1, 2]);
    expect(run.activityCalls.map((call) => call.input)).toEqual([0, 1, 2]);
    expect(run.output).toBe(2);
  });

  it('runs the registered activity function when asked to use the real activities', async () => {
    const run = await new DurableHarness({ start: T0, realActivities: true })
      .start('harnessUsesRealActivity', null, 'real-1')
      .untilDone();
    expect(run.output).toEqual({ doubled: 42 });
  });
});
