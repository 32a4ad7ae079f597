import {
  triageMessages,
  type EpisodeMessage,
  type TriageInput,
} from '../../../../../packages/func-local/durable/episode-triage';
import { EventType, type HistoryEvent } from '../../../../../packages/func-local/durable/history-event';
import type { ControlMessage } from '../../../../../packages/func-local/durable/messages';

const STAMP = '2026-01-01T00:00:00.000Z';

function event(type: EventType, fields: Partial<HistoryEvent> = {}): HistoryEvent {
  return { EventType: type, EventId: -1, IsPlayed: true, Timestamp: STAMP, ...fields };
}

const startedHistory = [
  event(EventType.OrchestratorStarted),
  event(EventType.ExecutionStarted, { Name: 'Orch' }),
  event(EventType.TaskScheduled, { EventId: 0, Name: 'A', Role: 'attempt' }),
  event(EventType.TaskScheduled, { EventId: 1, Name: 'B' }),
  event(EventType.TimerCreated, { EventId: 2, Role: 'retryTimer' }),
  event(EventType.TimerCreated, { EventId: 3, Role: 'retryTimer' }),
  event(EventType.OrchestratorCompleted),
];

function message(
  messageId: string,
  body: Partial<ControlMessage> & { kind: ControlMessage['kind'] },
): EpisodeMessage {
  return { messageId, body: { instanceId: 'i1', executionId: 'e1', ...body } as ControlMessage };
}

function triage(messages: EpisodeMessage[], overrides: Partial<TriageInput> = {}) {
  return triageMessages({
    executionId: 'e1',
    status: 'Running',
    name: 'Orch',
    input: '"in"',
    committed: startedHistory,
    messages,
    stamp: STAMP,
    ...overrides,
  });
}

describe('triageMessages', () => {
  it('records answers to scheduled tasks and keeps an answer to a task history does not know for later', () => {
    const result = triage([
      message('m1', { kind: 'TaskResults', results: [{ taskScheduledId: 1, result: '"b"' }] }),
      message('m2', { kind: 'TaskCompleted', taskScheduledId: 7, result: null }),
    ]);
    expect(result.events.map((e) => [e.EventType, e.TaskScheduledId, e.Result])).toEqual([
      [EventType.TaskCompleted, 1, '"b"'],
    ]);
    expect(result.done).toEqual(['m1']);
    expect(result.deferred).toEqual(['m2']);
    expect(result.work).toBe(true);
    expect(result.openTasks).toBe(3);
  });

  it('sets messages of another execution apart instead of deciding on them', () => {
    const result = triage([
      message('old', { kind: 'TaskCompleted', executionId: 'e0', taskScheduledId: 1, result: null }),
    ]);
    expect(result.otherExecution).toEqual(['old']);
    expect(result.done).toEqual([]);
    expect(result.events).toEqual([]);
  });

  it('drops duplicates: an answered task and an event whose message id history already has', () => {
    const committed = [
      ...startedHistory,
      event(EventType.TaskCompleted, { TaskScheduledId: 1 }),
      event(EventType.EventRaised, { Name: 'go', MessageId: 'seen' }),
    ];
    const result = triage(
      [
        message('again', { kind: 'TaskCompleted', taskScheduledId: 1, result: null }),
        { messageId: 'seen', body: { kind: 'EventRaised', instanceId: 'i1', name: 'go', input: null } },
      ],
      { committed },
    );
    expect(result.done.sort()).toEqual(['again', 'seen']);
    expect(result.events).toEqual([]);
    expect(result.work).toBe(false);
  });

  it('takes at most one expansion event per episode and puts it last', () => {
    const result = triage([
      message('f0', { kind: 'TaskFailed', taskScheduledId: 0, reason: 'x', details: '' }),
      message('t2', { kind: 'TimerFired', timerId: 2, fireAt: STAMP }),
      message('b', { kind: 'TaskCompleted', taskScheduledId: 1, result: null }),
    ]);
    expect(result.events.map((e) => e.EventType)).toEqual([EventType.TaskCompleted, EventType.TaskFailed]);
    expect(result.expansion?.EventType).toBe(EventType.TaskFailed);
    expect(result.deferred).toEqual(['t2']);
    expect(result.done.sort()).toEqual(['b', 'f0']);
  });

  it('starts a new execution first with the row name and input, and defers nothing that comes with it', () => {
    const result = triage(
      [
        { messageId: 'ev', body: { kind: 'EventRaised', instanceId: 'i1', name: 'go', input: '1' } },
        message('start', { kind: 'ExecutionStarted', name: 'Other', input: '"ignored"' }),
      ],
      { committed: [] },
    );
    expect(result.events.map((e) => [e.EventType, e.Name, e.Input])).toEqual([
      [EventType.ExecutionStarted, 'Orch', '"in"'],
      [EventType.EventRaised, 'go', '1'],
    ]);
    expect(result.done).toEqual(['start', 'ev']);
  });

  it('keeps messages of a suspended or not yet started instance, and applies control operations at once', () => {
    const notStarted = triage(
      [{ messageId: 'ev', body: { kind: 'EventRaised', instanceId: 'i1', name: 'go', input: null } }],
      {
        committed: [],
      },
    );
    expect(notStarted.deferred).toEqual(['ev']);

    const suspended = triage(
      [
        { messageId: 's', body: { kind: 'Suspend', instanceId: 'i1', reason: 'wait' } },
        message('b', { kind: 'TaskCompleted', taskScheduledId: 1, result: null }),
      ],
      { status: 'Running' },
    );
    expect(suspended.status).toBe('Suspended');
    expect(suspended.events.map((e) => e.EventType)).toEqual([EventType.ExecutionSuspended]);
    expect(suspended.done).toEqual(['s']);
    expect(suspended.deferred).toEqual(['b']);
  });

  it('terminates before anything else and consumes nothing after it', () => {
    const result = triage([
      message('b', { kind: 'TaskCompleted', taskScheduledId: 1, result: null }),
      { messageId: 't', body: { kind: 'Terminate', instanceId: 'i1', reason: 'stop' } },
    ]);
    expect(result.terminateReason).toBe('stop');
    expect(result.events.map((e) => e.EventType)).toEqual([EventType.ExecutionTerminated]);
    expect(result.done).toEqual(['t']);
    expect(result.deferred).toEqual([]);
  });
});
