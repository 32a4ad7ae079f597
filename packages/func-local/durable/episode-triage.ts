import { isExpansionEvent } from './episode-planner';
import {
  completedId,
  EventType,
  isScheduledEvent,
  type HistoryEvent,
  type RuntimeStatus,
} from './history-event';
import type { ControlMessage } from './messages';

/** A control message as an episode receives it. */
export interface EpisodeMessage {
  messageId: string;
  body: ControlMessage;
}

export interface TriageInput {
  /** The instance row's current execution: its id, status, orchestrator name and input. */
  executionId: string;
  status: RuntimeStatus;
  name: string;
  input: string | null;
  /** The committed history of that execution. */
  committed: HistoryEvent[];
  messages: EpisodeMessage[];
  /** Timestamp of the events the episode adds. */
  stamp: string;
}

/** What one episode makes of its messages, before the orchestrator runs. */
export interface Triage {
  /** Events to append after OrchestratorStarted; an expansion event, if any, comes last. */
  events: HistoryEvent[];
  expansion: HistoryEvent | undefined;
  /** Messages whose effect is in `events`, or that are duplicates or obsolete: delete them once committed. */
  done: string[];
  /** Messages kept for a later episode (suspended, not started, a second expansion event, task not scheduled). */
  deferred: string[];
  /** Messages dropped because they name another execution than the row's. */
  otherExecution: string[];
  status: RuntimeStatus;
  terminateReason: string | undefined;
  /** The orchestrator has new input to replay (a start, an answer or an event). */
  work: boolean;
  /** Tasks scheduled but not answered once `events` are added. */
  openTasks: number;
}

/**
 * Sorts an episode's messages into what it records, what it drops and what it keeps for later. Pure: the
 * decisions depend on the row and history given, so a caller holding a cached row must re-check those that a
 * newer row could change (`deferred`, `otherExecution`) before acting on them.
 */
export function triageMessages(input: TriageInput): Triage {
  const { committed, stamp } = input;
  const scheduledById = new Map<number, HistoryEvent>();
  const answered = new Set<number>();
  const seenMessages = new Set<string>();
  for (const event of committed) {
    if (isScheduledEvent(event)) scheduledById.set(event.EventId, event);
    const id = completedId(event);
    if (id !== undefined) answered.add(id);
    if (event.MessageId) seenMessages.add(event.MessageId);
  }
  const started = committed.some((e) => e.EventType === EventType.ExecutionStarted);
  const triage: Triage = {
    events: [],
    expansion: undefined,
    done: [],
    deferred: [],
    otherExecution: [],
    status: input.status,
    terminateReason: undefined,
    work: false,
    openTasks: 0,
  };
  const event = (type: EventType, fields: Partial<HistoryEvent>): HistoryEvent => ({
    EventType: type,
    EventId: -1,
    IsPlayed: false,
    Timestamp: stamp,
    ...fields,
  });
  const ordered = [...input.messages].sort((a, b) => rank(a.body) - rank(b.body));
  for (const message of ordered) {
    const body = message.body;
    if (seenMessages.has(message.messageId)) {
      triage.done.push(message.messageId);
      continue;
    }
    if ('executionId' in body && body.executionId !== input.executionId) {
      if (body.kind === 'ExecutionStarted') triage.done.push(message.messageId);
      else triage.otherExecution.push(message.messageId);
      continue;
    }
    switch (body.kind) {
      case 'ExecutionStarted':
        if (!started) {
          triage.events.push(event(EventType.ExecutionStarted, { Name: input.name, Input: input.input }));
          triage.work = true;
        }
        triage.done.push(message.messageId);
        continue;
      case 'Terminate':
        triage.terminateReason = body.reason;
        triage.events.push(
          event(EventType.ExecutionTerminated, {
            Input: JSON.stringify(body.reason),
            MessageId: message.messageId,
          }),
        );
        triage.done.push(message.messageId);
        continue;
      case 'Suspend':
      case 'Resume': {
        if (triage.terminateReason !== undefined) continue;
        const suspend = body.kind === 'Suspend';
        if (suspend !== (triage.status === 'Suspended')) {
          triage.status = suspend ? 'Suspended' : 'Running';
          triage.events.push(
            event(suspend ? EventType.ExecutionSuspended : EventType.ExecutionResumed, {
              Reason: body.reason,
              MessageId: message.messageId,
            }),
          );
        }
        triage.done.push(message.messageId);
        continue;
      }
      default:
        break;
    }
    if (triage.terminateReason !== undefined) continue;
    if (triage.status === 'Suspended' || (!started && !triage.work)) {
      triage.deferred.push(message.messageId);
      continue;
    }
    if (body.kind === 'EventRaised') {
      triage.events.push(
        event(EventType.EventRaised, { Name: body.name, Input: body.input, MessageId: message.messageId }),
      );
      triage.done.push(message.messageId);
      triage.work = true;
      continue;
    }
    let consumedAll = true;
    for (const entry of entriesOf(body)) {
      const id = entry.kind === 'TimerFired' ? entry.timerId : entry.taskScheduledId;
      if (answered.has(id)) continue;
      const completion = scheduledById.has(id) ? completionEvent(entry, event) : undefined;
      if (!completion) {
        consumedAll = false;
        continue;
      }
      if (isExpansionEvent(completion, scheduledById)) {
        if (triage.expansion) {
          consumedAll = false;
          continue;
        }
        triage.expansion = completion;
      } else triage.events.push(completion);
      answered.add(id);
      triage.work = true;
    }
    (consumedAll ? triage.done : triage.deferred).push(message.messageId);
  }
  if (triage.expansion) triage.events.push(triage.expansion);
  triage.openTasks = scheduledById.size - answered.size;
  return triage;
}

/** ExecutionStarted first, control operations next, then everything else in arrival order. */
function rank(body: ControlMessage): number {
  if (body.kind === 'ExecutionStarted') return 0;
  if (body.kind === 'Terminate') return 1;
  return 2;
}

type CompletionBody = Extract<
  ControlMessage,
  {
    kind:
      'TaskCompleted' | 'TaskFailed' | 'SubOrchestrationCompleted' | 'SubOrchestrationFailed' | 'TimerFired';
  }
>;

/** The completions a message carries: one, or a batch of activity results. */
function entriesOf(body: ControlMessage): CompletionBody[] {
  switch (body.kind) {
    case 'TaskResults':
      return body.results.map((r) =>
        'reason' in r
          ? {
              kind: 'TaskFailed',
              instanceId: body.instanceId,
              executionId: body.executionId,
              taskScheduledId: r.taskScheduledId,
              reason: r.reason,
              details: r.details,
            }
          : {
              kind: 'TaskCompleted',
              instanceId: body.instanceId,
              executionId: body.executionId,
              taskScheduledId: r.taskScheduledId,
              result: r.result,
            },
      );
    case 'TaskCompleted':
    case 'TaskFailed':
    case 'SubOrchestrationCompleted':
    case 'SubOrchestrationFailed':
    case 'TimerFired':
      return [body];
    default:
      return [];
  }
}

function completionEvent(
  body: CompletionBody,
  event: (type: EventType, fields: Partial<HistoryEvent>) => HistoryEvent,
): HistoryEvent {
  switch (body.kind) {
    case 'TaskCompleted':
      return event(EventType.TaskCompleted, { TaskScheduledId: body.taskScheduledId, Result: body.result });
    case 'TaskFailed':
      return event(EventType.TaskFailed, {
        TaskScheduledId: body.taskScheduledId,
        Reason: body.reason,
        Details: body.details,
      });
    case 'SubOrchestrationCompleted':
      return event(EventType.SubOrchestrationInstanceCompleted, {
        TaskScheduledId: body.taskScheduledId,
        Result: body.result,
      });
    case 'SubOrchestrationFailed':
      return event(EventType.SubOrchestrationInstanceFailed, {
        TaskScheduledId: body.taskScheduledId,
        Reason: body.reason,
        Details: body.details,
      });
    case 'TimerFired':
      return event(EventType.TimerFired, { TimerId: body.timerId, FireAt: body.fireAt });
  }
}
