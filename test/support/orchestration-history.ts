/**
 * Builds orchestrator trigger payloads the way the Durable extension sends them (PascalCase history events,
 * schema V2), and runs a registered orchestrator handler over them with the SDK's real replay engine.
 */
import { InvocationContext } from '@azure/functions';

export const HistoryEventType = {
  ExecutionStarted: 0,
  TaskScheduled: 4,
  TaskCompleted: 5,
  TaskFailed: 6,
  TimerCreated: 10,
  TimerFired: 11,
  OrchestratorStarted: 12,
  OrchestratorCompleted: 13,
  EventRaised: 15,
} as const;

export type HistoryEvent = Record<string, unknown> & { EventType: number };

/** A history under construction; each method appends one event as the extension would record it. */
export class History {
  readonly events: HistoryEvent[] = [];
  private now: string;

  constructor(start: string) {
    this.now = start;
  }

  private push(event: Record<string, unknown> & { EventType: number }): this {
    this.events.push({ EventId: -1, IsPlayed: false, Timestamp: this.now, ...event });
    return this;
  }

  /** Starts an episode at `timestamp` (it becomes `currentUtcDateTime`). */
  episode(timestamp: string): this {
    this.now = timestamp;
    return this.push({ EventType: HistoryEventType.OrchestratorStarted });
  }
  endEpisode(): this {
    return this.push({ EventType: HistoryEventType.OrchestratorCompleted });
  }
  started(name: string, input: unknown): this {
    return this.push({
      EventType: HistoryEventType.ExecutionStarted,
      Name: name,
      Input: JSON.stringify(input),
    });
  }
  scheduled(id: number, name: string, input?: unknown): this {
    return this.push({
      EventType: HistoryEventType.TaskScheduled,
      EventId: id,
      Name: name,
      Input: JSON.stringify(input ?? null),
    });
  }
  completed(id: number, result: unknown): this {
    return this.push({
      EventType: HistoryEventType.TaskCompleted,
      TaskScheduledId: id,
      Result: JSON.stringify(result),
    });
  }
  failed(id: number, reason: string): this {
    return this.push({
      EventType: HistoryEventType.TaskFailed,
      TaskScheduledId: id,
      Reason: reason,
      Details: 'stack',
    });
  }
  timerCreated(id: number, fireAt: string): this {
    return this.push({ EventType: HistoryEventType.TimerCreated, EventId: id, FireAt: fireAt });
  }
  timerFired(id: number, fireAt: string): this {
    return this.push({ EventType: HistoryEventType.TimerFired, TimerId: id, FireAt: fireAt });
  }
  raised(name: string, input: unknown): this {
    return this.push({ EventType: HistoryEventType.EventRaised, Name: name, Input: JSON.stringify(input) });
  }
}

/** The OrchestratorState the SDK answers. */
export interface OrchestratorState {
  isDone: boolean;
  actions: Record<string, unknown>[][];
  output: unknown;
  error?: string;
}

export type OrchestratorCallback = (
  trigger: unknown,
  context: InvocationContext,
) => Promise<OrchestratorState>;

/** Runs one episode: the handler replays `history`; answers its state as the extension receives it (JSON). */
export async function runEpisode(
  handler: OrchestratorCallback,
  instanceId: string,
  input: unknown,
  history: HistoryEvent[],
): Promise<OrchestratorState> {
  const trigger = {
    history: structuredClone(history),
    input,
    instanceId,
    isReplaying: false,
    parentInstanceId: undefined,
    upperSchemaVersion: 1,
    upperSchemaVersionNew: 2,
    longRunningTimerIntervalDuration: '3.00:00:00',
    maximumShortTimerDuration: '6.00:00:00',
  };
  const state = await handler(
    trigger,
    new InvocationContext({ functionName: 'orchestrator', invocationId: instanceId }),
  );
  return JSON.parse(JSON.stringify(state)) as OrchestratorState;
}

/** The actions of an episode, flattened in yield order (compound actions replaced by their children). */
export function flatActions(state: OrchestratorState): Record<string, unknown>[] {
  const flat: Record<string, unknown>[] = [];
  const visit = (action: Record<string, unknown>) => {
    const children = action.compoundActions;
    if (Array.isArray(children)) (children as Record<string, unknown>[]).forEach(visit);
    else flat.push(action);
  };
  (state.actions[0] ?? []).forEach(visit);
  return flat;
}
