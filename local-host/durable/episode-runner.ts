import { randomUUID } from 'node:crypto';
import type { RegisteredFunction } from '../app/capture';
import type { InvocationResponse, RpcTypedData } from '../app/core-api';
import type { DurableSettings } from './durable-settings';
import { formatTimeSpan } from './durable-settings';
import { childExecutionId, isExpansionEvent, planEpisode, type Completion } from './episode-planner';
import { completedId, EventType, isScheduledEvent, isTerminal, type HistoryEvent } from './history-event';
import type { ControlMessage, OutgoingMessage } from './messages';
import type { OrchestratorState } from './orchestrator-actions';
import {
  ConcurrencyConflictError,
  pendingInstance,
  type InstanceRecord,
  type TaskHubStorage,
} from './task-hub-storage';

/** A control message as the dispatcher holds it. */
export interface HeldMessage {
  messageId: string;
  popReceipt: string;
  body: ControlMessage;
}

/** What an episode did with the messages it was given. */
export interface EpisodeOutcome {
  /** Messages whose effects are stored (or that are obsolete): delete them. */
  done: string[];
  /** Another writer changed the instance meanwhile: try again later. */
  conflict: boolean;
  /** Messages were left for a later episode (suspended instance, a second expansion event, not yet scheduled). */
  deferred: boolean;
  /** Events in the instance's history after the episode: replay costs grow with it. */
  historyLength: number;
  /** Tasks scheduled but not answered yet after the episode (a fan-in in progress when large). */
  openTasks: number;
}

export interface EpisodeDependencies {
  storage: TaskHubStorage;
  settings: DurableSettings;
  findOrchestrator(name: string): RegisteredFunction | undefined;
  invoke(fn: RegisteredFunction, data: RpcTypedData): Promise<InvocationResponse>;
  send(messages: OutgoingMessage[]): Promise<void>;
  log(level: 'information' | 'warning' | 'error', message: string): void;
}

interface CachedHistory {
  row: InstanceRecord;
  events: HistoryEvent[];
}

const OUT_OF_PROC_MARKER = '$OutOfProcData$:';
const CACHE_LIMIT = 2000;

/** Runs orchestration episodes: one call handles a batch of messages for one instance. */
export class EpisodeRunner {
  private readonly cache = new Map<string, CachedHistory>();

  constructor(private readonly deps: EpisodeDependencies) {}

  forget(instanceId: string): void {
    this.cache.delete(instanceId);
  }

  async run(instanceId: string, messages: HeldMessage[]): Promise<EpisodeOutcome> {
    const outcome: EpisodeOutcome = {
      done: [],
      conflict: false,
      deferred: false,
      historyLength: 0,
      openTasks: 0,
    };
    const { storage } = this.deps;
    // The cached row is trusted until a write with its etag fails: then the cache is dropped and re-read.
    let row = this.cache.get(instanceId)?.row ?? (await storage.readInstance(instanceId));
    const start = messages.find((m) => m.body.kind === 'ExecutionStarted');
    if (start && start.body.kind === 'ExecutionStarted') {
      const prepared = await this.prepareStart(row, start.body);
      if (prepared === 'drop') {
        outcome.done.push(start.messageId);
        messages = messages.filter((m) => m !== start);
      } else row = prepared;
    }
    if (!row) {
      outcome.done.push(...messages.map((m) => m.messageId));
      return outcome;
    }
    if (isTerminal(row.status)) {
      outcome.done.push(...messages.map((m) => m.messageId));
      this.cache.delete(instanceId);
      return outcome;
    }
    const history = await this.history(row);
    outcome.historyLength = history.length;
    return this.episode(row, history, messages, outcome);
  }

  private async prepareStart(
    row: InstanceRecord | undefined,
    body: Extract<ControlMessage, { kind: 'ExecutionStarted' }>,
  ): Promise<InstanceRecord | 'drop'> {
    if (row && row.executionId === body.executionId) return row.lastEpisode === 0 ? row : 'drop';
    if (row && !isTerminal(row.status)) {
      if (body.parent) {
        await this.deps.send([
          parentNotice(body.parent, {
            status: 'Failed',
            reason: `An orchestration with instance id '${body.instanceId}' is already running.`,
            details: 'OrchestrationAlreadyExistsException',
          }),
        ]);
      }
      return 'drop';
    }
    if (!body.parent) return 'drop';
    return pendingInstance({
      instanceId: body.instanceId,
      name: body.name,
      input: body.input,
      executionId: body.executionId,
      parent: body.parent,
      etag: row?.etag,
    });
  }

  private async history(row: InstanceRecord): Promise<HistoryEvent[]> {
    const cached = this.cache.get(row.instanceId);
    if (
      cached &&
      cached.row.executionId === row.executionId &&
      cached.row.lastEpisode === row.lastEpisode &&
      cached.row.lastToken === row.lastToken
    ) {
      return cached.events;
    }
    const events = await this.deps.storage.loadHistory(row);
    this.remember(row, events);
    return events;
  }

  private remember(row: InstanceRecord, events: HistoryEvent[]): void {
    this.cache.delete(row.instanceId);
    if (this.cache.size >= CACHE_LIMIT) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(row.instanceId, { row, events });
  }

  private async episode(
    row: InstanceRecord,
    committed: HistoryEvent[],
    messages: HeldMessage[],
    outcome: EpisodeOutcome,
  ): Promise<EpisodeOutcome> {
    const now = new Date(Math.max(Date.now(), lastTimestamp(committed) + 1));
    const stamp = now.toISOString();
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
    let status = row.status;
    const newEvents: HistoryEvent[] = [];
    let expansion: HistoryEvent | undefined;
    let terminateReason: string | undefined;
    let work = false;
    const event = (type: EventType, fields: Partial<HistoryEvent>): HistoryEvent => ({
      EventType: type,
      EventId: -1,
      IsPlayed: false,
      Timestamp: stamp,
      ...fields,
    });
    const ordered = [...messages].sort((a, b) => rank(a.body) - rank(b.body));
    for (const message of ordered) {
      const body = message.body;
      if (seenMessages.has(message.messageId)) {
        outcome.done.push(message.messageId);
        continue;
      }
      if ('executionId' in body && body.kind !== 'ExecutionStarted' && body.executionId !== row.executionId) {
        outcome.done.push(message.messageId);
        continue;
      }
      switch (body.kind) {
        case 'ExecutionStarted':
          if (started || body.executionId !== row.executionId) outcome.done.push(message.messageId);
          else {
            newEvents.push(event(EventType.ExecutionStarted, { Name: row.name, Input: row.input }));
            outcome.done.push(message.messageId);
            work = true;
          }
          continue;
        case 'Terminate':
          terminateReason = body.reason;
          newEvents.push(
            event(EventType.ExecutionTerminated, {
              Input: JSON.stringify(body.reason),
              MessageId: message.messageId,
            }),
          );
          outcome.done.push(message.messageId);
          continue;
        case 'Suspend':
        case 'Resume': {
          if (terminateReason !== undefined) continue;
          const suspend = body.kind === 'Suspend';
          if (suspend === (status === 'Suspended')) {
            outcome.done.push(message.messageId);
            continue;
          }
          status = suspend ? 'Suspended' : 'Running';
          newEvents.push(
            event(suspend ? EventType.ExecutionSuspended : EventType.ExecutionResumed, {
              Reason: body.reason,
              MessageId: message.messageId,
            }),
          );
          outcome.done.push(message.messageId);
          continue;
        }
        default:
          break;
      }
      if (terminateReason !== undefined) continue;
      if (status === 'Suspended' || (!started && !work)) {
        outcome.deferred = true;
        continue;
      }
      if (body.kind === 'EventRaised') {
        newEvents.push(
          event(EventType.EventRaised, { Name: body.name, Input: body.input, MessageId: message.messageId }),
        );
        outcome.done.push(message.messageId);
        work = true;
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
          if (expansion) {
            consumedAll = false;
            continue;
          }
          expansion = completion;
        } else newEvents.push(completion);
        answered.add(id);
        work = true;
      }
      if (consumedAll) outcome.done.push(message.messageId);
      else outcome.deferred = true;
    }
    if (expansion) newEvents.push(expansion);
    outcome.openTasks = scheduledById.size - answered.size;
    if (newEvents.length === 0) return outcome;

    const fn = this.deps.findOrchestrator(row.name);
    let completion: Completion | undefined;
    let scheduled: HistoryEvent[] = [];
    let outgoing: OutgoingMessage[] = [];
    const next = { ...row, lastUpdatedTime: now };
    if (terminateReason !== undefined) {
      completion = { status: 'Failed', reason: terminateReason, details: 'Terminated' };
    } else if (work && status !== 'Suspended') {
      if (!fn) {
        completion = {
          status: 'Failed',
          reason: `The orchestrator function '${row.name}' does not exist in this app.`,
          details: 'FunctionNotFound',
        };
      } else {
        const { state, failed } = await this.invoke(fn, row, committed, newEvents, stamp);
        const plan = planEpisode({
          instanceId: row.instanceId,
          executionId: row.executionId,
          orchestratorName: row.name,
          committed,
          expansion,
          actionCount: row.actionCount,
          nextSequenceId: row.nextSequenceId,
          state,
          failed,
          now,
          maximumShortTimerMs: this.deps.settings.maximumShortTimerMs,
          longRunningTimerIntervalMs: this.deps.settings.longRunningTimerIntervalMs,
        });
        completion = plan.completion;
        scheduled = plan.scheduled;
        outgoing = plan.outgoing;
        next.actionCount = plan.actionCount;
        next.nextSequenceId = plan.nextSequenceId;
        next.customStatus = plan.customStatus;
        if (!completion) status = 'Running';
      }
    }

    const episodeEvents = [event(EventType.OrchestratorStarted, {}), ...newEvents, ...scheduled];
    next.status = status;
    if (completion) {
      episodeEvents.push(completionEventOf(completion, terminateReason !== undefined, stamp));
      Object.assign(next, this.finish(row, completion, terminateReason, outgoing));
    }
    episodeEvents.push(event(EventType.OrchestratorCompleted, {}));

    const episode = row.lastEpisode + 1;
    const continued = completion?.status === 'ContinuedAsNew';
    const [{ token, rows }] = await Promise.all([
      continued
        ? { token: '', rows: 0 }
        : this.deps.storage.appendEpisode(row, episode, row.lastToken, episodeEvents),
      this.deps.send(outgoing),
    ]);
    const committedRow: InstanceRecord = continued
      ? next
      : { ...next, lastEpisode: episode, lastToken: token };
    try {
      committedRow.etag = await this.deps.storage.writeInstance(committedRow, row.etag);
    } catch (error: unknown) {
      if (!(error instanceof ConcurrencyConflictError)) throw error;
      this.cache.delete(row.instanceId);
      if (!continued) await this.deps.storage.discardEpisode(row, episode, token, rows);
      return { done: [], conflict: true, deferred: true, historyLength: 0, openTasks: 0 };
    }
    if (continued) {
      this.cache.delete(row.instanceId);
      void this.deps.storage.purgeHistory(row.instanceId, committedRow.executionId).catch(() => undefined);
    } else if (completion) this.cache.delete(row.instanceId);
    else this.remember(committedRow, [...committed, ...episodeEvents]);
    return outcome;
  }

  /** The instance row fields once the execution ends, and the messages that go with it. */
  private finish(
    row: InstanceRecord,
    completion: Completion,
    terminateReason: string | undefined,
    outgoing: OutgoingMessage[],
  ): Partial<InstanceRecord> {
    const parent =
      row.parentInstanceId && row.parentExecutionId && row.parentTaskId !== null
        ? { instanceId: row.parentInstanceId, executionId: row.parentExecutionId, taskId: row.parentTaskId }
        : undefined;
    if (completion.status === 'ContinuedAsNew') {
      const executionId = randomUUID().replace(/-/g, '');
      outgoing.push({
        target: 'control',
        body: {
          kind: 'ExecutionStarted',
          instanceId: row.instanceId,
          executionId,
          name: row.name,
          input: completion.input,
        },
      });
      return {
        status: 'Running',
        input: completion.input,
        output: null,
        executionId,
        lastEpisode: 0,
        lastToken: '',
        actionCount: 0,
        nextSequenceId: 0,
      };
    }
    if (parent) outgoing.push(parentNotice(parent, completion));
    if (terminateReason !== undefined) {
      return { status: 'Terminated', output: JSON.stringify(terminateReason) };
    }
    if (completion.status === 'Completed') return { status: 'Completed', output: completion.output };
    return { status: 'Failed', output: JSON.stringify(completion.reason) };
  }

  private async invoke(
    fn: RegisteredFunction,
    row: InstanceRecord,
    committed: HistoryEvent[],
    newEvents: HistoryEvent[],
    stamp: string,
  ): Promise<{ state: OrchestratorState; failed: boolean }> {
    const { settings } = this.deps;
    const history = [
      ...committed.map((e) => ({ ...e, IsPlayed: true })),
      { EventType: EventType.OrchestratorStarted, EventId: -1, IsPlayed: false, Timestamp: stamp },
      ...newEvents,
    ];
    const payload = {
      history,
      input: row.input === null ? undefined : (JSON.parse(row.input) as unknown),
      instanceId: row.instanceId,
      isReplaying: committed.length > 0,
      parentInstanceId: row.parentInstanceId ?? undefined,
      upperSchemaVersion: 1,
      upperSchemaVersionNew: 2,
      longRunningTimerIntervalDuration: formatTimeSpan(settings.longRunningTimerIntervalMs),
      maximumShortTimerDuration: formatTimeSpan(settings.maximumShortTimerMs),
      defaultHttpAsyncRequestSleepTimeMillseconds: 30_000,
    };
    try {
      const response = await this.deps.invoke(fn, { json: JSON.stringify(payload) });
      return { state: decodeState(response.returnValue), failed: false };
    } catch (error: unknown) {
      const message = error instanceof Error ? error.message : String(error);
      const at = message.indexOf(OUT_OF_PROC_MARKER);
      if (at >= 0) {
        const state = JSON.parse(message.slice(at + OUT_OF_PROC_MARKER.length)) as OrchestratorState;
        return { state, failed: true };
      }
      return { state: { isDone: false, actions: [], error: message }, failed: true };
    }
  }
}

function decodeState(value: RpcTypedData | null | undefined): OrchestratorState {
  const text = value?.json ?? value?.string;
  if (typeof text !== 'string') throw new Error('The orchestrator returned no OrchestratorState.');
  return JSON.parse(text) as OrchestratorState;
}

function lastTimestamp(events: HistoryEvent[]): number {
  const last = events[events.length - 1];
  return last ? Date.parse(last.Timestamp) : 0;
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
  body: ControlMessage,
  event: (type: EventType, fields: Partial<HistoryEvent>) => HistoryEvent,
): HistoryEvent | undefined {
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
    default:
      return undefined;
  }
}

function completionEventOf(completion: Completion, terminated: boolean, stamp: string): HistoryEvent {
  const base = { EventType: EventType.ExecutionCompleted, EventId: -1, IsPlayed: false, Timestamp: stamp };
  if (completion.status === 'Completed')
    return { ...base, OrchestrationStatus: 'Completed', Result: completion.output };
  if (completion.status === 'ContinuedAsNew')
    return { ...base, OrchestrationStatus: 'ContinuedAsNew', Result: completion.input };
  if (terminated)
    return { ...base, OrchestrationStatus: 'Terminated', Result: JSON.stringify(completion.reason) };
  return {
    ...base,
    EventType: EventType.ExecutionFailed,
    OrchestrationStatus: 'Failed',
    Reason: completion.reason,
    Details: completion.details,
  };
}

function parentNotice(
  parent: { instanceId: string; executionId: string; taskId: number },
  completion: Completion,
): OutgoingMessage {
  const common = {
    instanceId: parent.instanceId,
    executionId: parent.executionId,
    taskScheduledId: parent.taskId,
  };
  if (completion.status === 'Completed') {
    return {
      target: 'control',
      body: { kind: 'SubOrchestrationCompleted', ...common, result: completion.output },
    };
  }
  const reason = completion.status === 'Failed' ? completion.reason : 'continued as new';
  const details = completion.status === 'Failed' ? completion.details : '';
  return { target: 'control', body: { kind: 'SubOrchestrationFailed', ...common, reason, details } };
}

export { childExecutionId };
