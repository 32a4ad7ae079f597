import type { RegisteredFunction } from '../../../packages/func-local/app/capture';
import { activityResult } from '../../../packages/func-local/durable/activity-worker';
import type { DurableSettings } from '../../../packages/func-local/durable/durable-settings';
import { completionEventOf } from '../../../packages/func-local/durable/episode-completion';
import { planEpisode, type Completion } from '../../../packages/func-local/durable/episode-planner';
import { triageMessages } from '../../../packages/func-local/durable/episode-triage';
import { EventType, type HistoryEvent } from '../../../packages/func-local/durable/history-event';
import { pendingInstance, type InstanceRecord } from '../../../packages/func-local/durable/instance-record';
import type { TaskResult, WorkItem } from '../../../packages/func-local/durable/messages';
import {
  ActionType,
  flattenActions,
  serialize,
  type OrchestratorAction,
  type OrchestratorState,
} from '../../../packages/func-local/durable/orchestrator-actions';
import { invokeOrchestrator } from '../../../packages/func-local/durable/orchestrator-invocation';
import type { ManualClock } from '../in-memory-ports';
import { type ActivityCall, type ActivityScript, unwrapAnswer } from './activity-replies';
import { PendingMessages, type PendingMessage } from './pending-messages';
import { findRegistered, invokeThroughModel } from './registered-functions';
import { YieldedActions } from './replay-determinism';
import { NonDeterminismError, ScenarioError } from './scenario-error';

/** What a run needs from its harness. */
export interface RunEnvironment {
  clock: ManualClock;
  settings: DurableSettings;
  scripts: ReadonlyMap<string, ActivityScript>;
  /** Unscripted activities run the app's registered activity functions (else an unscripted call is an error). */
  realActivities: boolean;
  maxEpisodes: number;
}

/** A durable timer the orchestrator created (`createTimer`), on the virtual clock. */
export interface TimerRecord {
  createdAt: string;
  fireAt: string;
  /** The orchestrator cancelled it (`timer.cancel()`, typically when an event won a race against it). */
  canceled: boolean;
  /** When it fired, if it did. */
  firedAt?: string;
}

/** An external event delivered to the orchestration. */
export interface RaisedEvent {
  name: string;
  input: unknown;
  at: string;
}

/** What the orchestration's last yield waits for, when it is idle. */
export interface OpenWaits {
  events: string[];
  /** Fire times of the timers it waits on (cancelled ones left out). */
  timers: string[];
  activities: string[];
}

export type RunStatus = 'Pending' | 'Running' | 'Completed' | 'Failed';

interface LastInvocation {
  row: InstanceRecord;
  committed: HistoryEvent[];
  events: HistoryEvent[];
  stamp: string;
  state: OrchestratorState;
  replayChecked: boolean;
}

const marker = (type: EventType, stamp: string): HistoryEvent => ({
  EventType: type,
  EventId: -1,
  IsPlayed: false,
  Timestamp: stamp,
});

function parsed(json: string | null | undefined): unknown {
  return json === null || json === undefined ? undefined : (JSON.parse(json) as unknown);
}

/** Top-level actions of a state in yield order (schema V2 nests them in one list). */
function topLevel(state: OrchestratorState): OrchestratorAction[] {
  return state.actions.flatMap((entry) => (Array.isArray(entry) ? entry : [entry]));
}

/**
 * One orchestration instance driven by the harness: each episode replays the real orchestrator through the
 * programming model over the history recorded so far plus the new events (the local host's triage), plans the
 * actions it returned with the local host's planner (sequence ids, retries, long timers, determinism against
 * history), records the events, runs the activities and queues the timers on the virtual clock.
 */
export class OrchestrationRun {
  status: RunStatus = 'Pending';
  output: unknown;
  /** The reason the orchestration failed (its orchestrator threw). */
  failure?: string;
  customStatus: unknown;
  readonly activityCalls: ActivityCall[] = [];
  readonly timers: TimerRecord[] = [];
  readonly events: RaisedEvent[] = [];
  /** Inputs of the executions it continued as new with, in order. */
  readonly continuedAsNew: unknown[] = [];
  /** The recorded history of the current execution (what the next episode replays). */
  history: HistoryEvent[] = [];
  episodes = 0;

  private readonly queue = new PendingMessages();
  private readonly orchestrator: RegisteredFunction;
  private row: InstanceRecord;
  private yielded = new YieldedActions();
  private timerOfAction = new Map<number, TimerRecord>();
  private lastInvocation: LastInvocation | undefined;
  private generation = 0;

  constructor(
    private readonly env: RunEnvironment,
    name: string,
    input: unknown,
    readonly instanceId: string,
  ) {
    const orchestrator = findRegistered(name, 'orchestrationTrigger');
    if (!orchestrator) throw new ScenarioError(`No orchestrator named '${name}' is registered.`);
    this.orchestrator = orchestrator;
    this.row = this.newExecution(serialize(input));
  }

  private get now(): number {
    return this.env.clock.now().getTime();
  }

  private newExecution(input: string | null): InstanceRecord {
    this.generation += 1;
    const executionId = `${this.instanceId}#${this.generation}`;
    const row = pendingInstance({
      instanceId: this.instanceId,
      name: this.orchestrator.metadata.name,
      input,
      executionId,
    });
    this.queue.add(this.now, {
      kind: 'ExecutionStarted',
      instanceId: this.instanceId,
      executionId,
      name: row.name,
      input,
    });
    return row;
  }

  /** Raises an external event at virtual time `at` (default: now). */
  raiseEvent(name: string, input: unknown = null, at?: string): this {
    const due = at === undefined ? this.now : Date.parse(at);
    this.queue.add(due, { kind: 'EventRaised', instanceId: this.instanceId, name, input: serialize(input) });
    return this;
  }

  get finished(): boolean {
    return this.status === 'Completed' || this.status === 'Failed';
  }

  /**
   * Delivers what is due, episode by episode, moving the virtual clock to the next due message, until the
   * orchestration ends, nothing is left to deliver (it waits on something the scenario has not provided), or the
   * next delivery is later than `until` (the clock then stands at `until`). Then checks that replaying the
   * recorded history yields the same actions.
   */
  async settle(options: { until?: string } = {}): Promise<this> {
    const until = options.until === undefined ? Infinity : Date.parse(options.until);
    for (let count = 0; !this.finished; count++) {
      if (count >= this.env.maxEpisodes) {
        throw new ScenarioError(
          `The orchestration did not settle within ${this.env.maxEpisodes} episodes: it never waits ` +
            'for anything the scenario has not provided (settle it { until } a time).',
        );
      }
      const due = this.queue.nextDue();
      if (due === undefined || due > until) break;
      if (due > this.now) this.env.clock.current = new Date(due);
      await this.episode(this.queue.takeDue(this.now));
    }
    if (until !== Infinity && until > this.now && !this.finished) this.env.clock.current = new Date(until);
    await this.checkReplay();
    return this;
  }

  /** Settles the run and requires it to have ended: a run left waiting is a {@link ScenarioError}. */
  async untilDone(): Promise<this> {
    await this.settle();
    if (!this.finished) {
      const waits = this.waitingFor();
      throw new ScenarioError(
        `The orchestration waits forever: nothing the scenario provides ends its wait for ` +
          `events [${waits.events.join(', ')}], timers [${waits.timers.join(', ')}], ` +
          `activities [${waits.activities.join(', ')}].`,
      );
    }
    return this;
  }

  /** What the orchestration's last yield waits for (its open leaves; cancelled timers left out). */
  waitingFor(): OpenWaits {
    const waits: OpenWaits = { events: [], timers: [], activities: [] };
    const state = this.lastInvocation?.state;
    const last = state ? topLevel(state).at(-1) : undefined;
    if (this.finished || !state || !last) return waits;
    for (const leaf of flattenActions({ ...state, actions: [last] }) as (OrchestratorAction & {
      externalEventName?: string;
    })[]) {
      if (leaf.actionType === ActionType.WaitForExternalEvent)
        waits.events.push(leaf.externalEventName ?? '');
      else if (leaf.actionType === ActionType.CreateTimer && leaf.isCanceled !== true)
        waits.timers.push(leaf.fireAt ?? '');
      else if (leaf.functionName !== undefined) waits.activities.push(leaf.functionName);
    }
    return waits;
  }

  private async episode(batch: PendingMessage[]): Promise<void> {
    const stamp = new Date(this.now).toISOString();
    const triage = triageMessages({
      executionId: this.row.executionId,
      status: this.row.status,
      name: this.row.name,
      input: this.row.input,
      committed: this.history,
      messages: batch,
      stamp,
    });
    this.queue.putBack(batch.filter((m) => triage.deferred.includes(m.messageId)));
    if (!triage.work) return;
    this.episodes += 1;
    const committed = this.history;
    const { state, failed } = await invokeOrchestrator(
      invokeThroughModel,
      this.env.settings,
      this.orchestrator,
      this.row,
      committed,
      triage.events,
      stamp,
    );
    this.lastInvocation = {
      row: { ...this.row },
      committed,
      events: triage.events,
      stamp,
      state,
      replayChecked: false,
    };
    const plan = planEpisode({
      instanceId: this.instanceId,
      executionId: this.row.executionId,
      orchestratorName: this.row.name,
      committed,
      expansion: triage.expansion,
      actionCount: this.row.actionCount,
      nextSequenceId: this.row.nextSequenceId,
      state,
      failed,
      now: new Date(this.now),
      maximumShortTimerMs: this.env.settings.maximumShortTimerMs,
      longRunningTimerIntervalMs: this.env.settings.longRunningTimerIntervalMs,
    });
    const { completion } = plan;
    if (completion?.status === 'Failed' && completion.details === 'NonDeterministicOrchestrationException')
      throw new NonDeterminismError(completion.reason);
    this.recordActions(state, stamp);
    this.recordDeliveries(triage.events, stamp);

    const episodeEvents = [marker(EventType.OrchestratorStarted, stamp), ...triage.events, ...plan.scheduled];
    if (completion) episodeEvents.push(completionEventOf(completion, false, stamp));
    episodeEvents.push(marker(EventType.OrchestratorCompleted, stamp));
    this.history = [...committed, ...episodeEvents];
    Object.assign(this.row, {
      status: 'Running',
      actionCount: plan.actionCount,
      nextSequenceId: plan.nextSequenceId,
      customStatus: plan.customStatus,
    });
    this.status = 'Running';
    this.customStatus = parsed(plan.customStatus);
    if (completion) return this.complete(completion);

    const activities: Promise<void>[] = [];
    for (const message of plan.outgoing) {
      if (message.target === 'workItem') {
        const scheduled = plan.scheduled.find((e) => e.EventId === message.body.taskScheduledId);
        activities.push(this.runActivity(message.body, scheduled?.Attempt ?? 1));
      } else if (message.body.kind === 'ExecutionStarted') {
        throw new ScenarioError(
          'Sub-orchestrations are not supported by the harness (no orchestrator uses one).',
        );
      } else {
        this.queue.add(message.fireAt === undefined ? this.now : Date.parse(message.fireAt), message.body);
      }
    }
    await Promise.all(activities);
  }

  private recordActions(state: OrchestratorState, stamp: string): void {
    const before = this.yielded.count;
    const leaves = flattenActions(state);
    this.yielded.accept(leaves, `Episode ${this.episodes} at ${stamp}`);
    leaves.forEach((leaf, index) => {
      if (leaf.actionType !== ActionType.CreateTimer) return;
      let timer = this.timerOfAction.get(index);
      if (!timer && index >= before) {
        timer = { createdAt: stamp, fireAt: leaf.fireAt ?? stamp, canceled: false };
        this.timerOfAction.set(index, timer);
        this.timers.push(timer);
      }
      if (timer) timer.canceled = leaf.isCanceled === true;
    });
  }

  private recordDeliveries(events: HistoryEvent[], stamp: string): void {
    for (const event of events) {
      if (event.EventType === EventType.EventRaised) {
        this.events.push({ name: event.Name ?? '', input: parsed(event.Input), at: stamp });
      } else if (event.EventType === EventType.TimerFired) {
        const created = this.history.find(
          (e) => e.EventType === EventType.TimerCreated && e.EventId === event.TimerId,
        );
        const timer =
          created?.ActionIndex === undefined ? undefined : this.timerOfAction.get(created.ActionIndex);
        const final = created?.Role === undefined || created.FireAt === created.FinalFireAt;
        if (timer && created?.Role !== 'retryTimer' && final) timer.firedAt = stamp;
      }
    }
  }

  private async complete(completion: Completion): Promise<void> {
    await this.checkReplay();
    if (completion.status === 'ContinuedAsNew') {
      this.continuedAsNew.push(parsed(completion.input));
      this.history = [];
      this.yielded = new YieldedActions();
      this.timerOfAction = new Map();
      this.lastInvocation = undefined;
      this.row = this.newExecution(completion.input);
      return;
    }
    if (completion.status === 'Completed') {
      this.status = 'Completed';
      this.output = parsed(completion.output);
    } else {
      this.status = 'Failed';
      this.failure = completion.reason;
    }
  }

  private async runActivity(item: WorkItem, attempt: number): Promise<void> {
    const call: ActivityCall = {
      name: item.name,
      input: parsed(item.input),
      attempt,
      at: new Date(this.now).toISOString(),
    };
    this.activityCalls.push(call);
    const started = this.now;
    const script = this.env.scripts.get(item.name);
    let result: TaskResult;
    let doneAt = started;
    if (script) {
      let answer: { value: unknown; ms: number };
      try {
        answer = unwrapAnswer(await script(call.input, call));
      } catch (error: unknown) {
        if (error instanceof ScenarioError) throw error;
        answer = { value: error instanceof Error ? error : new Error(String(error)), ms: 0 };
      }
      doneAt += answer.ms;
      result =
        answer.value instanceof Error
          ? { taskScheduledId: item.taskScheduledId, reason: answer.value.message, details: '' }
          : { taskScheduledId: item.taskScheduledId, result: serialize(answer.value) };
    } else if (this.env.realActivities) {
      result = await activityResult(invokeThroughModel, findRegistered(item.name, 'activityTrigger'), item);
      doneAt = Math.max(started, this.now);
    } else {
      throw new ScenarioError(
        `The orchestration called activity '${item.name}', which the scenario does not script.`,
      );
    }
    const common = { instanceId: this.instanceId, executionId: item.executionId };
    this.queue.add(
      doneAt,
      'reason' in result
        ? {
            kind: 'TaskFailed',
            ...common,
            taskScheduledId: item.taskScheduledId,
            reason: result.reason,
            details: result.details,
          }
        : { kind: 'TaskCompleted', ...common, taskScheduledId: item.taskScheduledId, result: result.result },
    );
  }

  /** Replays the recorded history of the last episode once more: the same actions and end must come out. */
  private async checkReplay(): Promise<void> {
    const last = this.lastInvocation;
    if (!last || last.replayChecked) return;
    last.replayChecked = true;
    const { state } = await invokeOrchestrator(
      invokeThroughModel,
      this.env.settings,
      this.orchestrator,
      last.row,
      last.committed,
      last.events,
      last.stamp,
    );
    const when = `Replaying the recorded history (${last.committed.length + last.events.length} events)`;
    this.yielded.checkComplete(flattenActions(state), when);
    if (
      state.isDone !== last.state.isDone ||
      JSON.stringify(state.output) !== JSON.stringify(last.state.output)
    ) {
      throw new NonDeterminismError(
        `${when}: the orchestration ended ${JSON.stringify(state.output)} on replay, ` +
          `${JSON.stringify(last.state.output)} when it ran.`,
      );
    }
  }
}
