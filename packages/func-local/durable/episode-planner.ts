import { createHash } from 'node:crypto';
import { EventType, eventTypeName, isScheduledEvent, type HistoryEvent } from './history-event';
import type { OutgoingMessage } from './messages';
import {
  ActionType,
  flattenActions,
  preSerializedInput,
  retryDelayMs,
  serialize,
  type OrchestratorAction,
  type OrchestratorState,
} from './orchestrator-actions';

export type Completion =
  | { status: 'Completed'; output: string | null }
  | { status: 'Failed'; reason: string; details: string }
  | { status: 'ContinuedAsNew'; input: string | null };

export interface EpisodePlanInput {
  instanceId: string;
  executionId: string;
  orchestratorName: string;
  committed: HistoryEvent[];
  /** The event of this episode that may make the SDK allocate a sequence id; always the last new event. */
  expansion?: HistoryEvent;
  actionCount: number;
  nextSequenceId: number;
  state: OrchestratorState;
  /** The SDK threw OrchestrationFailureError: `state.error` holds the message. */
  failed: boolean;
  now: Date;
  maximumShortTimerMs: number;
  longRunningTimerIntervalMs: number;
}

export interface EpisodePlan {
  scheduled: HistoryEvent[];
  outgoing: OutgoingMessage[];
  completion?: Completion;
  actionCount: number;
  nextSequenceId: number;
  customStatus: string | null;
}

const UNSUPPORTED: Partial<Record<ActionType, string>> = {
  [ActionType.CallEntity]: 'Durable entities (callEntity)',
  [ActionType.SignalEntity]: 'Durable entities (signalEntity)',
  [ActionType.LockEntities]: 'Durable entities (lock)',
  [ActionType.ReleaseEntities]: 'Durable entities (lock)',
  [ActionType.CallHttp]: 'callHttp',
};

/** The execution id of a sub-orchestration: deterministic, so a re-sent start message names the same execution. */
export function childExecutionId(parentExecutionId: string, taskId: number): string {
  return createHash('sha1').update(`${parentExecutionId}|${taskId}`).digest('hex').slice(0, 32);
}

/** The instance id DTFx-style engines give a sub-orchestration started without one. */
export function childInstanceId(parentInstanceId: string, taskId: number): string {
  return `${parentInstanceId}:${taskId.toString(16).padStart(4, '0')}`;
}

function describeAction(action: OrchestratorAction): string {
  return `${ActionType[action.actionType]}${action.functionName ? ` "${action.functionName}"` : ''}`;
}

function describeEvent(event: HistoryEvent): string {
  return `${eventTypeName(event.EventType)}${event.Name ? ` "${event.Name}"` : ''}`;
}

function expectedEventType(action: OrchestratorAction): EventType | undefined {
  switch (action.actionType) {
    case ActionType.CallActivity:
    case ActionType.CallActivityWithRetry:
      return EventType.TaskScheduled;
    case ActionType.CallSubOrchestrator:
    case ActionType.CallSubOrchestratorWithRetry:
      return EventType.SubOrchestrationInstanceCreated;
    case ActionType.CreateTimer:
      return EventType.TimerCreated;
    default:
      return undefined;
  }
}

/** How many SDK sequence ids an action takes when it is first yielded. */
function idsTaken(action: OrchestratorAction): number {
  return expectedEventType(action) === undefined ? 0 : 1;
}

/**
 * Decides what one episode does, from the committed history and the SDK's cumulative actions: checks that
 * the replayed actions still match the history, schedules only the new ones (with the sequence ids the SDK
 * gave them), expands retries and long timers, and works out how the execution ends. Pure.
 */
export function planEpisode(input: EpisodePlanInput): EpisodePlan {
  const { state } = input;
  const leaves = flattenActions(state);
  const plan: EpisodePlan = {
    scheduled: [],
    outgoing: [],
    actionCount: input.actionCount,
    nextSequenceId: input.nextSequenceId,
    customStatus: serialize(state.customStatus ?? undefined),
  };
  const firstEventOf = new Map<number, HistoryEvent>();
  for (const event of input.committed) {
    if (isScheduledEvent(event) && event.ActionIndex !== undefined && !firstEventOf.has(event.ActionIndex)) {
      firstEventOf.set(event.ActionIndex, event);
    }
  }

  const mismatch = checkDeterminism(input, leaves, firstEventOf);
  if (mismatch) {
    plan.completion = {
      status: 'Failed',
      reason: mismatch,
      details: 'NonDeterministicOrchestrationException',
    };
    return plan;
  }
  if (input.failed) {
    plan.completion = {
      status: 'Failed',
      reason: `Orchestrator function '${input.orchestratorName}' failed: ${state.error ?? 'unknown error'}`,
      details: state.error ?? '',
    };
    return plan;
  }

  const fresh = leaves.slice(input.actionCount);
  const unsupported = fresh.find((action) => UNSUPPORTED[action.actionType] !== undefined);
  if (unsupported) {
    const what = UNSUPPORTED[unsupported.actionType] ?? '';
    plan.completion = {
      status: 'Failed',
      reason: `${what} is not supported by the local host (orchestrator '${input.orchestratorName}').`,
      details: 'UnsupportedActionError',
    };
    return plan;
  }

  const continueAsNew = leaves.find((action) => action.actionType === ActionType.ContinueAsNew);
  if (state.isDone) {
    plan.completion = continueAsNew
      ? { status: 'ContinuedAsNew', input: preSerializedInput(continueAsNew.input) }
      : { status: 'Completed', output: serialize(state.output) };
    return plan;
  }

  fresh.forEach((action, offset) => {
    const actionIndex = input.actionCount + offset;
    if (idsTaken(action) === 0) return;
    const id = plan.nextSequenceId++;
    schedule(plan, input, action, actionIndex, id, 1);
  });
  plan.actionCount = leaves.length;
  if (input.expansion) expand(plan, input, leaves);
  return plan;
}

function checkDeterminism(
  input: EpisodePlanInput,
  leaves: OrchestratorAction[],
  firstEventOf: Map<number, HistoryEvent>,
): string | undefined {
  const message = (detail: string) =>
    `Non-Deterministic workflow detected in orchestrator '${input.orchestratorName}': ${detail}. ` +
    'Was the orchestrator code changed while this instance was running? Version the orchestrator name instead.';
  for (let index = 0; index < input.actionCount; index++) {
    const recorded = firstEventOf.get(index);
    const action = leaves[index];
    if (!action) {
      if (!recorded) continue;
      if (input.failed || input.state.isDone || leaves.length < input.actionCount) {
        return message(
          `history has ${describeEvent(recorded)} (sequence id ${recorded.EventId}) that the replay no longer schedules`,
        );
      }
      continue;
    }
    const expected = expectedEventType(action);
    if (expected === undefined && !recorded) continue;
    if (
      !recorded ||
      recorded.EventType !== expected ||
      (action.functionName ?? recorded.Name) !== recorded.Name
    ) {
      return message(
        `the replay scheduled ${describeAction(action)} at action ${index} where history has ` +
          (recorded ? `${describeEvent(recorded)} (sequence id ${recorded.EventId})` : 'no scheduled task'),
      );
    }
  }
  return undefined;
}

function schedule(
  plan: EpisodePlan,
  input: EpisodePlanInput,
  action: OrchestratorAction,
  actionIndex: number,
  id: number,
  attempt: number,
): void {
  const timestamp = input.now.toISOString();
  const base = { EventId: id, IsPlayed: false, Timestamp: timestamp, ActionIndex: actionIndex };
  const withRetry =
    action.actionType === ActionType.CallActivityWithRetry ||
    action.actionType === ActionType.CallSubOrchestratorWithRetry;
  const retry = withRetry ? { Role: 'attempt' as const, Attempt: attempt } : {};
  switch (action.actionType) {
    case ActionType.CallActivity:
    case ActionType.CallActivityWithRetry: {
      const name = action.functionName ?? '';
      const taskInput = preSerializedInput(action.input);
      plan.scheduled.push({
        ...base,
        ...retry,
        EventType: EventType.TaskScheduled,
        Name: name,
        Input: taskInput,
      });
      plan.outgoing.push({
        target: 'workItem',
        body: {
          instanceId: input.instanceId,
          executionId: input.executionId,
          taskScheduledId: id,
          name,
          input: taskInput,
        },
      });
      return;
    }
    case ActionType.CallSubOrchestrator:
    case ActionType.CallSubOrchestratorWithRetry: {
      const name = action.functionName ?? '';
      const childId = action.instanceId ?? childInstanceId(input.instanceId, id);
      const childInput = serialize(action.input);
      plan.scheduled.push({
        ...base,
        ...retry,
        EventType: EventType.SubOrchestrationInstanceCreated,
        Name: name,
        InstanceId: childId,
        Input: childInput,
      });
      plan.outgoing.push({
        target: 'control',
        body: {
          kind: 'ExecutionStarted',
          instanceId: childId,
          executionId: childExecutionId(input.executionId, id),
          name,
          input: childInput,
          parent: { instanceId: input.instanceId, executionId: input.executionId, taskId: id },
        },
      });
      return;
    }
    case ActionType.CreateTimer: {
      const finalFireAt = new Date(action.fireAt ?? timestamp);
      const remaining = finalFireAt.getTime() - input.now.getTime();
      if (remaining > input.maximumShortTimerMs) {
        const segmentEnd = new Date(input.now.getTime() + input.longRunningTimerIntervalMs);
        addTimer(plan, input, base, segmentEnd, { Role: 'segment', FinalFireAt: finalFireAt.toISOString() });
      } else addTimer(plan, input, base, finalFireAt, {});
      return;
    }
    default:
      return;
  }
}

function addTimer(
  plan: EpisodePlan,
  input: EpisodePlanInput,
  base: { EventId: number; IsPlayed: boolean; Timestamp: string; ActionIndex: number },
  fireAt: Date,
  extra: Partial<HistoryEvent>,
): void {
  const at = fireAt.toISOString();
  plan.scheduled.push({ ...base, ...extra, EventType: EventType.TimerCreated, FireAt: at });
  plan.outgoing.push({
    target: 'control',
    fireAt: at,
    body: {
      kind: 'TimerFired',
      instanceId: input.instanceId,
      executionId: input.executionId,
      timerId: base.EventId,
      fireAt: at,
    },
  });
}

/** The SDK allocates one more sequence id while it processes the expansion event: schedule what it waits for. */
function expand(plan: EpisodePlan, input: EpisodePlanInput, leaves: OrchestratorAction[]): void {
  const event = input.expansion;
  if (!event) return;
  const targetId = event.EventType === EventType.TimerFired ? event.TimerId : event.TaskScheduledId;
  const target = input.committed.find((e) => isScheduledEvent(e) && e.EventId === targetId);
  if (!target || target.ActionIndex === undefined) return;
  const action = leaves[target.ActionIndex];
  if (!action) return;
  const base = {
    EventId: plan.nextSequenceId,
    IsPlayed: false,
    Timestamp: input.now.toISOString(),
    ActionIndex: target.ActionIndex,
  };
  if (target.Role === 'attempt' && event.EventType !== EventType.TimerFired) {
    const attempt = target.Attempt ?? 1;
    const policy = action.retryOptions;
    const delay = policy ? retryDelayMs(policy, attempt) : 0;
    plan.nextSequenceId++;
    addTimer(plan, input, base, new Date(input.now.getTime() + delay), {
      Role: 'retryTimer',
      Attempt: attempt,
    });
  } else if (target.Role === 'retryTimer') {
    const attempt = (target.Attempt ?? 1) + 1;
    const max = action.retryOptions?.maxNumberOfAttempts ?? 1;
    if (attempt > max) return;
    plan.nextSequenceId++;
    schedule(plan, input, action, target.ActionIndex, base.EventId, attempt);
  } else if (target.Role === 'segment' && target.FinalFireAt) {
    const finalFireAt = new Date(target.FinalFireAt);
    const remaining = finalFireAt.getTime() - input.now.getTime();
    if (remaining <= 0) return;
    plan.nextSequenceId++;
    const next =
      remaining > input.maximumShortTimerMs
        ? new Date(input.now.getTime() + input.longRunningTimerIntervalMs)
        : finalFireAt;
    addTimer(plan, input, base, next, { Role: 'segment', FinalFireAt: target.FinalFireAt });
  }
}

/** Whether a new event may make the SDK allocate a sequence id (retry attempt failed, retry timer or segment fired). */
export function isExpansionEvent(event: HistoryEvent, scheduledById: Map<number, HistoryEvent>): boolean {
  if (
    event.EventType === EventType.TaskFailed ||
    event.EventType === EventType.SubOrchestrationInstanceFailed
  ) {
    return scheduledById.get(event.TaskScheduledId ?? -1)?.Role === 'attempt';
  }
  if (event.EventType === EventType.TimerFired) {
    const role = scheduledById.get(event.TimerId ?? -1)?.Role;
    return role === 'retryTimer' || role === 'segment';
  }
  return false;
}
