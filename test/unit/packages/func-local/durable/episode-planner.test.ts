import {
  planEpisode,
  type EpisodePlanInput,
} from '../../../../../packages/func-local/durable/episode-planner';
import { EventType, type HistoryEvent } from '../../../../../packages/func-local/durable/history-event';
import {
  ActionType,
  type OrchestratorAction,
} from '../../../../../packages/func-local/durable/orchestrator-actions';

const NOW = new Date('2026-01-01T00:00:00.000Z');
const DAY = 86_400_000;

function input(actions: OrchestratorAction[], overrides: Partial<EpisodePlanInput> = {}): EpisodePlanInput {
  return {
    instanceId: 'i1',
    executionId: 'e1',
    orchestratorName: 'Orch',
    committed: [],
    actionCount: 0,
    nextSequenceId: 0,
    state: { isDone: false, actions: [actions] },
    failed: false,
    now: NOW,
    maximumShortTimerMs: 6 * DAY,
    longRunningTimerIntervalMs: 3 * DAY,
    ...overrides,
  };
}

const activity = (name: string, value?: unknown): OrchestratorAction => ({
  actionType: ActionType.CallActivity,
  functionName: name,
  input: value,
});

function scheduled(type: EventType, id: number, fields: Partial<HistoryEvent> = {}): HistoryEvent {
  return { EventType: type, EventId: id, IsPlayed: false, Timestamp: NOW.toISOString(), ...fields };
}

describe('planEpisode', () => {
  it('schedules only actions beyond those already recorded, with consecutive sequence ids', () => {
    const whenAll: OrchestratorAction = {
      actionType: ActionType.WhenAll,
      compoundActions: [
        activity('B', 1),
        activity('C', 'text'),
        { actionType: ActionType.WaitForExternalEvent },
      ],
    };
    const plan = planEpisode(
      input([activity('A'), whenAll], {
        committed: [scheduled(EventType.TaskScheduled, 0, { Name: 'A', ActionIndex: 0 })],
        actionCount: 1,
        nextSequenceId: 1,
      }),
    );
    expect(plan.scheduled.map((e) => [e.EventId, e.Name, e.Input])).toEqual([
      [1, 'B', '1'],
      [2, 'C', 'text'],
    ]);
    expect(plan.outgoing.map((m) => m.target)).toEqual(['workItem', 'workItem']);
    expect(plan.actionCount).toBe(4);
    expect(plan.nextSequenceId).toBe(3);
    expect(plan.completion).toBeUndefined();
  });

  it('fails with a NonDeterministic error when a replayed action differs from history', () => {
    const plan = planEpisode(
      input([activity('Changed')], {
        committed: [scheduled(EventType.TaskScheduled, 0, { Name: 'Original', ActionIndex: 0 })],
        actionCount: 1,
        nextSequenceId: 1,
      }),
    );
    expect(plan.completion).toMatchObject({ status: 'Failed' });
    expect(plan.completion?.status === 'Failed' && plan.completion.reason).toMatch(
      /Non-Deterministic workflow detected .*CallActivity "Changed" at action 0 where history has TaskScheduled "Original"/,
    );
    expect(plan.scheduled).toEqual([]);
  });

  it('fails when a timer replaced an activity, and when the replay schedules fewer actions and finishes', () => {
    const committed = [scheduled(EventType.TaskScheduled, 0, { Name: 'A', ActionIndex: 0 })];
    const timer = planEpisode(
      input([{ actionType: ActionType.CreateTimer, fireAt: NOW.toISOString() }], {
        committed,
        actionCount: 1,
      }),
    );
    expect(timer.completion?.status).toBe('Failed');
    const fewer = planEpisode(
      input([], { committed, actionCount: 1, state: { isDone: true, actions: [[]], output: 1 } }),
    );
    expect(fewer.completion?.status).toBe('Failed');
  });

  it('splits a timer longer than the short-timer limit into segments', () => {
    const fireAt = new Date(NOW.getTime() + 7 * DAY).toISOString();
    const plan = planEpisode(input([{ actionType: ActionType.CreateTimer, fireAt }]));
    expect(plan.scheduled[0]).toMatchObject({
      EventType: EventType.TimerCreated,
      FireAt: new Date(NOW.getTime() + 3 * DAY).toISOString(),
      Role: 'segment',
      FinalFireAt: fireAt,
    });
    const later = new Date(NOW.getTime() + 3 * DAY);
    const fired = scheduled(EventType.TimerFired, -1, { TimerId: 0 });
    const next = planEpisode(
      input([{ actionType: ActionType.CreateTimer, fireAt }], {
        committed: plan.scheduled,
        actionCount: 1,
        nextSequenceId: 1,
        expansion: fired,
        now: later,
      }),
    );
    expect(next.scheduled).toHaveLength(1);
    expect(next.scheduled[0]).toMatchObject({ EventId: 1, FireAt: fireAt, Role: 'segment' });
  });

  it('schedules retry timers with exponential back-off capped by maxRetryIntervalInMilliseconds', () => {
    const retry: OrchestratorAction = {
      actionType: ActionType.CallActivityWithRetry,
      functionName: 'Flaky',
      retryOptions: {
        firstRetryIntervalInMilliseconds: 1000,
        maxNumberOfAttempts: 5,
        backoffCoefficient: 3,
        maxRetryIntervalInMilliseconds: 5000,
      },
    };
    const first = planEpisode(input([retry]));
    expect(first.scheduled[0]).toMatchObject({ EventId: 0, Role: 'attempt', Attempt: 1 });
    const committed = [...first.scheduled];
    const delays: number[] = [];
    let nextId = 1;
    for (let attempt = 1; attempt <= 3; attempt++) {
      const attemptId = committed.filter((e) => e.Role === 'attempt').at(-1)?.EventId ?? -1;
      const failed = planEpisode(
        input([retry], {
          committed,
          actionCount: 1,
          nextSequenceId: nextId,
          expansion: scheduled(EventType.TaskFailed, -1, { TaskScheduledId: attemptId }),
        }),
      );
      const timer = failed.scheduled[0];
      expect(timer).toMatchObject({
        EventType: EventType.TimerCreated,
        Role: 'retryTimer',
        Attempt: attempt,
      });
      delays.push(Date.parse(timer?.FireAt ?? '') - NOW.getTime());
      committed.push(...failed.scheduled);
      const fired = planEpisode(
        input([retry], {
          committed,
          actionCount: 1,
          nextSequenceId: failed.nextSequenceId,
          expansion: scheduled(EventType.TimerFired, -1, { TimerId: timer?.EventId }),
        }),
      );
      expect(fired.scheduled[0]).toMatchObject({ EventType: EventType.TaskScheduled, Attempt: attempt + 1 });
      committed.push(...fired.scheduled);
      nextId = fired.nextSequenceId;
    }
    expect(delays).toEqual([1000, 3000, 5000]);
  });

  it('stops scheduling attempts after maxNumberOfAttempts', () => {
    const retry: OrchestratorAction = {
      actionType: ActionType.CallActivityWithRetry,
      functionName: 'Flaky',
      retryOptions: { firstRetryIntervalInMilliseconds: 10, maxNumberOfAttempts: 1 },
    };
    const committed = [
      scheduled(EventType.TaskScheduled, 0, { Name: 'Flaky', ActionIndex: 0, Role: 'attempt', Attempt: 1 }),
      scheduled(EventType.TimerCreated, 1, { ActionIndex: 0, Role: 'retryTimer', Attempt: 1 }),
    ];
    const plan = planEpisode(
      input([retry], {
        committed,
        actionCount: 1,
        nextSequenceId: 2,
        expansion: scheduled(EventType.TimerFired, -1, { TimerId: 1 }),
      }),
    );
    expect(plan.scheduled).toEqual([]);
    expect(plan.nextSequenceId).toBe(2);
  });

  it('ends the execution: output, continueAsNew input, orchestrator failure, unsupported features', () => {
    expect(
      planEpisode(input([], { state: { isDone: true, actions: [[]], output: 'done' } })).completion,
    ).toEqual({
      status: 'Completed',
      output: '"done"',
    });
    const continued = planEpisode(
      input([], {
        state: { isDone: true, actions: [[{ actionType: ActionType.ContinueAsNew, input: { n: 2 } }]] },
      }),
    );
    expect(continued.completion).toEqual({ status: 'ContinuedAsNew', input: '{"n":2}' });
    const failed = planEpisode(
      input([], { failed: true, state: { isDone: false, actions: [[]], error: 'boom' } }),
    );
    expect(failed.completion).toMatchObject({
      status: 'Failed',
      reason: "Orchestrator function 'Orch' failed: boom",
    });
    const entity = planEpisode(input([{ actionType: ActionType.CallEntity }]));
    expect(entity.completion).toMatchObject({ status: 'Failed' });
    expect(entity.completion?.status === 'Failed' && entity.completion.reason).toMatch(
      /not supported by the local host/,
    );
  });

  it('starts a sub-orchestration with a derived instance id and the parent link', () => {
    const plan = planEpisode(
      input([{ actionType: ActionType.CallSubOrchestrator, functionName: 'Child', input: 'x' }]),
    );
    expect(plan.scheduled[0]).toMatchObject({
      EventType: EventType.SubOrchestrationInstanceCreated,
      InstanceId: 'i1:0000',
    });
    expect(plan.outgoing[0]).toMatchObject({
      target: 'control',
      body: {
        kind: 'ExecutionStarted',
        instanceId: 'i1:0000',
        input: '"x"',
        parent: { instanceId: 'i1', taskId: 0 },
      },
    });
  });
});
