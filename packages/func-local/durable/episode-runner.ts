import type { RegisteredFunction } from '../app/capture';
import type { DurableSettings } from './durable-settings';
import { finishedInstance, completionEventOf, parentNotice } from './episode-completion';
import { planEpisode, type Completion } from './episode-planner';
import { triageMessages, type EpisodeMessage, type Triage } from './episode-triage';
import { HistoryCache } from './history-cache';
import { EventType, isTerminal, type HistoryEvent } from './history-event';
import type { ControlMessage, OutgoingMessage, StagedMessages } from './messages';
import { invokeOrchestrator, type Invoke } from './orchestrator-invocation';
import { ConcurrencyConflictError, pendingInstance, type InstanceRecord } from './instance-table';
import type { TaskHubStorage } from './task-hub-storage';

/** A control message as the dispatcher holds it. */
export interface HeldMessage extends EpisodeMessage {
  popReceipt: string;
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
  invoke: Invoke;
  /** Sends messages that take effect only once released (after the episode's commit). */
  stage(messages: OutgoingMessage[]): Promise<StagedMessages>;
  log(level: 'information' | 'warning' | 'error', message: string): void;
}

const CACHE_LIMIT = 2000;

/** Marks an attempt on a cached row that made a decision only a fresh row can confirm. */
const NEEDS_FRESH_ROW = Symbol('needs a fresh row');

function emptyOutcome(): EpisodeOutcome {
  return { done: [], conflict: false, deferred: false, historyLength: 0, openTasks: 0 };
}

/**
 * Runs orchestration episodes: one call handles a batch of messages for one instance.
 *
 * Rows and histories are cached between episodes. A cached row may be stale when another host committed since:
 * consuming messages with it is safe (the commit's etag check fails and the episode runs again on a fresh row),
 * but keeping a message for later or dropping it as obsolete is not — a stale row does not know the tasks the
 * other host scheduled, so such a decision is only taken on a row read just now.
 */
export class EpisodeRunner {
  private readonly cache = new HistoryCache(CACHE_LIMIT);

  constructor(private readonly deps: EpisodeDependencies) {}

  forget(instanceId: string): void {
    this.cache.delete(instanceId);
  }

  async run(instanceId: string, messages: HeldMessage[]): Promise<EpisodeOutcome> {
    const cached = this.cache.get(instanceId)?.row;
    if (cached) {
      const outcome = await this.attempt(cached, messages, true);
      if (outcome !== NEEDS_FRESH_ROW) return outcome;
    }
    const row = await this.deps.storage.instances.read(instanceId);
    if (cached && row?.etag !== cached.etag) this.cache.delete(instanceId);
    const outcome = await this.attempt(row, messages, false);
    if (outcome === NEEDS_FRESH_ROW) throw new Error('A fresh instance row was judged stale.');
    return outcome;
  }

  private async attempt(
    row: InstanceRecord | undefined,
    messages: HeldMessage[],
    cachedRow: boolean,
  ): Promise<EpisodeOutcome | typeof NEEDS_FRESH_ROW> {
    const outcome = emptyOutcome();
    const start = messages.find((m) => m.body.kind === 'ExecutionStarted');
    if (start && start.body.kind === 'ExecutionStarted') {
      if (cachedRow && row && row.executionId !== start.body.executionId) return NEEDS_FRESH_ROW;
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
      if (cachedRow) return NEEDS_FRESH_ROW;
      outcome.done.push(...messages.map((m) => m.messageId));
      this.cache.delete(row.instanceId);
      return outcome;
    }
    const committed = await this.history(row);
    const now = new Date(Math.max(Date.now(), lastTimestamp(committed) + 1));
    const triage = triageMessages({
      executionId: row.executionId,
      status: row.status,
      name: row.name,
      input: row.input,
      committed,
      messages,
      stamp: now.toISOString(),
    });
    if (cachedRow && (triage.deferred.length > 0 || triage.otherExecution.length > 0)) return NEEDS_FRESH_ROW;
    outcome.done.push(...triage.done, ...triage.otherExecution);
    outcome.deferred = triage.deferred.length > 0;
    outcome.historyLength = committed.length;
    outcome.openTasks = triage.openTasks;
    if (triage.events.length === 0) return outcome;
    return this.commit(row, committed, triage, now, outcome);
  }

  private async prepareStart(
    row: InstanceRecord | undefined,
    body: Extract<ControlMessage, { kind: 'ExecutionStarted' }>,
  ): Promise<InstanceRecord | 'drop'> {
    if (row && row.executionId === body.executionId) return row.lastEpisode === 0 ? row : 'drop';
    if (row && !isTerminal(row.status)) {
      if (body.parent) {
        const notice = await this.deps.stage([
          parentNotice(body.parent, {
            status: 'Failed',
            reason: `An orchestration with instance id '${body.instanceId}' is already running.`,
            details: 'OrchestrationAlreadyExistsException',
          }),
        ]);
        await notice.release();
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
    const cached = this.cache.historyOf(row);
    if (cached) return cached;
    const events = await this.deps.storage.history.load(row);
    this.cache.remember(row, events);
    return events;
  }

  /** Runs the orchestrator on the triaged events, stores the episode and commits it with the row's etag. */
  private async commit(
    row: InstanceRecord,
    committed: HistoryEvent[],
    triage: Triage,
    now: Date,
    outcome: EpisodeOutcome,
  ): Promise<EpisodeOutcome> {
    const stamp = now.toISOString();
    const { terminateReason } = triage;
    let status = triage.status;
    let completion: Completion | undefined;
    let scheduled: HistoryEvent[] = [];
    let outgoing: OutgoingMessage[] = [];
    const next = { ...row, lastUpdatedTime: now };
    if (terminateReason !== undefined) {
      completion = { status: 'Failed', reason: terminateReason, details: 'Terminated' };
    } else if (triage.work && status !== 'Suspended') {
      const fn = this.deps.findOrchestrator(row.name);
      if (!fn) {
        completion = {
          status: 'Failed',
          reason: `The orchestrator function '${row.name}' does not exist in this app.`,
          details: 'FunctionNotFound',
        };
      } else {
        const { state, failed } = await invokeOrchestrator(
          this.deps.invoke,
          this.deps.settings,
          fn,
          row,
          committed,
          triage.events,
          stamp,
        );
        const plan = planEpisode({
          instanceId: row.instanceId,
          executionId: row.executionId,
          orchestratorName: row.name,
          committed,
          expansion: triage.expansion,
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

    const marker = (type: EventType): HistoryEvent => ({
      EventType: type,
      EventId: -1,
      IsPlayed: false,
      Timestamp: stamp,
    });
    const episodeEvents = [marker(EventType.OrchestratorStarted), ...triage.events, ...scheduled];
    next.status = status;
    if (completion) {
      episodeEvents.push(completionEventOf(completion, terminateReason !== undefined, stamp));
      Object.assign(next, finishedInstance(row, completion, terminateReason, outgoing));
    }
    episodeEvents.push(marker(EventType.OrchestratorCompleted));

    const episode = row.lastEpisode + 1;
    const continued = completion?.status === 'ContinuedAsNew';
    const { storage } = this.deps;
    const [{ token, rows }, staged] = await Promise.all([
      continued ? { token: '', rows: 0 } : storage.history.append(row, episode, row.lastToken, episodeEvents),
      this.deps.stage(outgoing),
    ]);
    const committedRow: InstanceRecord = continued
      ? next
      : { ...next, lastEpisode: episode, lastToken: token };
    try {
      committedRow.etag = await storage.instances.write(committedRow, row.etag);
    } catch (error: unknown) {
      if (!(error instanceof ConcurrencyConflictError)) throw error;
      this.cache.delete(row.instanceId);
      await staged.discard();
      if (!continued) await storage.history.discard(row, episode, token, rows);
      return { done: [], conflict: true, deferred: true, historyLength: 0, openTasks: 0 };
    }
    await staged.release();
    if (continued) {
      this.cache.delete(row.instanceId);
      void storage.history
        .purge(row.instanceId, committedRow.executionId)
        .catch((error: unknown) =>
          this.deps.log(
            'warning',
            `Removing the history of ${row.instanceId}'s previous execution failed (it stays in the History ` +
              `table, unread, until the instance is purged): ${String(error)}`,
          ),
        );
    } else if (completion) this.cache.delete(row.instanceId);
    else this.cache.remember(committedRow, [...committed, ...episodeEvents]);
    return outcome;
  }
}

function lastTimestamp(events: HistoryEvent[]): number {
  const last = events[events.length - 1];
  return last ? Date.parse(last.Timestamp) : 0;
}
