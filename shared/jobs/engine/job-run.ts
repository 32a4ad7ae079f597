import {
  TWIN_CALL_BOUND_MS,
  fitMethodTimeouts,
  methodCallBoundMs,
  planActivityTime,
  type ActivityTimePlan,
} from '../core/activity-time';
import { type DeviceResult, errorResult, methodResult, twinResult } from '../core/device-outcome';
import { withEngineLease } from './lease';
import { DeviceResultWriter, DEFAULT_RESULT_WRITER_OPTIONS } from './device-result-writer';
import { type WindowStop, runDeviceWindow } from './device-window';
import { isPastDeadline } from '../core/execution-plan';
import {
  type JobExecutionDependencies,
  type RunCursor,
  finish,
  loadJob,
  pendingRow,
  updateJob,
} from './job-execution';
import type { DeviceJobRecord, JobRecord, TwinPatch } from '../core/job-model';
import { isTerminalDeviceJobStatus } from '../core/job-model';
import type { CancelTimer, Delays, JobJoinRepository } from '../core/ports';
import { type ShardCounters, countDeviceStatuses } from '../core/job-statistics';
import { publishProgress } from './job-event-publisher';
import {
  type ExecutedCounts,
  type AbortDecision,
  abortDecision,
  createRateGate,
  failureTypeOf,
  retriesFor,
  retryDelayMs,
} from '../core/rollout-policy';
import type { RolloutProgress } from '../core/rollout-rate';
import { type ResolvedTargetPage, TargetPages, shardsOf, targetPageSize } from './job-targets';
import { type OpenWave, openWave, withEndedWave } from '../core/rollout-waves';
import { isPatchApplied } from '../core/twin-patch-applied';
import { cancelsAtWindowEnd, enterMaintenanceWindow } from './job-run-windows';
import { CONTINUOUS_JOBS_CACHE_MS } from './continuous-joiner';
import { overwrittenBy } from '../core/twin-rollback';
import { restoreDevice } from './twin-restore';
import {
  type SettleCompletionsCommand,
  type SettleCompletionsResult,
  settleCompletions,
  startCompletionWait,
} from './completion-waits';
import type { BudgetShare } from '../core/device-budget';
import { createBudgetPacer } from './budget-pacer';
import { DEFAULT_PRIORITY } from '../core/rollout-config';

export interface RunDevicesCommand {
  jobId: string;
  /** ISO instant after which no device is started. */
  deadline: string;
  /** Most devices with a call outstanding at once. */
  maxDevicesInFlight: number;
  /** Targets per shard (one resolved page). */
  shardSize: number;
  cursor: RunCursor;
  /**
   * The orchestration waits out a pause itself (`jobOrchestrator_v3`): a paused job's step returns at once with
   * `stoppedBy: 'paused'`. Absent (v2 instances started before pause existed): the step holds the paused job until
   * it is resumed or its time budget ends, since a v2 orchestration would call the next step at once.
   */
  pausable?: boolean;
  /**
   * The orchestration waits for maintenance windows itself (`jobOrchestrator_v4`): outside its windows a step
   * returns at once with `stoppedBy: 'maintenanceWindow'`. Absent (older versions): windows are not applied.
   */
  windowAware?: boolean;
}

/**
 * Why a run stopped starting devices for good (the time budget only ends one call: see `done`; so does the end of
 * a gated wave that lets the next one go on).
 */
export type RunStopReason = Exclude<WindowStop, 'budget' | 'wave'> | 'maintenanceWindowEnded';

export interface RunDevicesResult {
  cursor: RunCursor;
  /** Every target resolved and ended. */
  done: boolean;
  stoppedBy?: RunStopReason;
  /** Set with `stoppedBy: 'aborted'`: why the job's abort check stopped it. */
  abortReason?: string;
  /** Set with `stoppedBy: 'maintenanceWindow'`: when the next window opens (absent: none opens again). */
  nextWindowStart?: string;
  /** Set with `stoppedBy: 'aborted'` when the criterion met asks for a rollback of what the job did. */
  abortAction?: 'rollback';
}

/**
 * Extension points of a run, built per job by {@link runPolicyFor} from its `rolloutConfig`, `retryConfig` and
 * `abortConfig`: the window size, a gate awaited before each start (start rate), the retries a failed attempt
 * still gets, and an abort check on the job's final results so far.
 */
export interface RunPolicy {
  maxInFlight: number;
  beforeStart?: () => Promise<void>;
  /** Retries a failure still gets after `attempt` attempts (0: the result is final). */
  retriesLeft: (result: DeviceResult, attempt: number) => number;
  /** Back-off before retry n (1-based). */
  delayMs: (retry: number) => number;
  abortCheck?: (counts: ExecutedCounts) => AbortDecision | undefined;
}

/** Live figures of a run the policy reads. */
export interface RunProgress {
  progress: () => RolloutProgress;
  /** Devices started by the job's earlier run steps. */
  startedBefore: number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

export function runPolicyFor(job: JobRecord, maxDevicesInFlight: number, live: RunProgress): RunPolicy {
  const rollout = job.rolloutConfig ?? {};
  const gate = createRateGate({ rollout, ...live });
  const policy: RunPolicy = {
    // A job's own maxConcurrency replaces the service-wide window.
    maxInFlight: rollout.maxConcurrency ?? maxDevicesInFlight,
    retriesLeft: (result, attempt) =>
      result.status === 'failed' ? Math.max(0, retriesFor(job.retryConfig, result.error) + 1 - attempt) : 0,
    delayMs: retryDelayMs,
  };
  if (gate) policy.beforeStart = gate;
  if (job.abortConfig) policy.abortCheck = (counts) => abortDecision(job.abortConfig, counts);
  return policy;
}

/** At most this many shards are read or resolved ahead of the one running, so the window never waits for storage. */
const MAX_PREFETCH_SHARDS = 4;

/** How often a run re-reads the job for a cancel and checks the deadline and abort condition, by default. */
export const STOP_CHECK_INTERVAL_MS = 500;

interface PreparedShard {
  shard: number;
  rows: DeviceJobRecord[];
  repeated: boolean;
}

interface DeviceItem {
  row: DeviceJobRecord;
  /** A run started devices of this shard before: this device may already have been acted on. */
  repeated: boolean;
}

/**
 * One time-bounded step of a job's run: resolves further targets into `pending` rows a shard ahead of the work,
 * runs devices through a sliding window of `maxDevicesInFlight`, writes results in batches, and returns once
 * every target has ended, the job stopped (cancel, deadline, abort), or its time budget is spent (with the
 * cursor the next step resumes from). Safe to repeat from the same cursor: ended devices are skipped, a shard
 * resolved before is read back instead of written again, and a twin patch already applied is not applied again.
 */
export async function runJobDevices(
  deps: JobExecutionDependencies,
  command: RunDevicesCommand,
): Promise<RunDevicesResult> {
  const startedAt = deps.clock.now().getTime();
  const { startUntil } = planActivityTime(startedAt, deps.limits, 0);
  const result = await withEngineLease(deps, command.jobId, startUntil, () =>
    runLeased(deps, command, startedAt),
  );
  // The lease stayed taken (a repeated delivery of a step still running): nothing was done, the next step retries.
  return result ?? { cursor: command.cursor, done: false };
}

async function runLeased(
  deps: JobExecutionDependencies,
  command: RunDevicesCommand,
  startedAt: number,
): Promise<RunDevicesResult> {
  const now = () => deps.clock.now().getTime();
  const cursor: RunCursor = { ...command.cursor, targets: { ...command.cursor.targets } };
  let { job } = await loadJob(deps.jobs, command.jobId);
  if (job.status === 'paused') {
    if (command.pausable) return { cursor, done: false, stoppedBy: 'paused' };
    job = await heldWhilePaused(deps, job, startedAt);
    if (job.status === 'paused') return { cursor, done: false };
  }
  if (job.status === 'cancelled') return { cursor, done: false, stoppedBy: 'cancelled' };
  const window = command.windowAware
    ? await enterMaintenanceWindow(deps, job)
    : { open: true as const, end: Number.POSITIVE_INFINITY };
  if (!window.open) {
    const { nextWindowStart } = window;
    return {
      cursor,
      done: false,
      stoppedBy: 'maintenanceWindow',
      ...(nextWindowStart ? { nextWindowStart } : {}),
    };
  }

  await untilListedEverywhere(deps, job, cursor);
  const plan = planActivityTime(startedAt, deps.limits, callBoundMs(job));
  let parentPatch: TwinPatch | undefined;
  if (job.rollbackOf !== undefined) {
    // The parent's devices in flight finish before its end time is set: only then are its results final.
    const parent = await endedParent(deps, job.rollbackOf, plan.startUntil);
    if (!parent) return { cursor, done: false };
    parentPatch = parent.updateTwin ?? {};
  }
  const waves = job.rolloutConfig?.waves;
  // Wave sizes are shares of every target: a job with waves resolves them all before its first device starts.
  if (waves && !cursor.targets.done) {
    await resolveAllTargets(deps, job, cursor, command.shardSize, plan.startUntil);
    if (!cursor.targets.done) return { cursor, done: false };
  }
  const before = await deps.jobs.getStatistics(job.jobId);
  const startedBefore = before.deviceCount - before.pendingCount;
  const executed: ExecutedCounts = { ...(cursor.executed ?? { succeeded: 0, failed: 0, timedOut: 0 }) };
  let startedHere = 0;
  const sleep = deps.delays.sleep;
  const policy = runPolicyFor(job, command.maxDevicesInFlight, {
    progress: () => ({
      started: startedBefore + startedHere,
      succeeded: before.succeededCount + executed.succeeded - (cursor.executed?.succeeded ?? 0),
    }),
    startedBefore,
    now,
    sleep,
  });
  const writer = new DeviceResultWriter(deps, job.jobId, { ...DEFAULT_RESULT_WRITER_OPTIONS, now });
  const shards = new ShardFeed(deps, job, cursor, command.shardSize, policy.maxInFlight, writer);
  let abort: AbortDecision | undefined;
  const open = waves ? openWave(waves, job.endedWaves ?? [], before.deviceCount) : undefined;
  // The next wave starts only once every device of this one is final and the wave was judged.
  const waveEnd = open && open.end < before.deviceCount ? open.end : undefined;
  const calls = { ...(cursor.calls ?? { count: 0, seconds: 0, peakInFlight: 0 }) };
  let inFlight = 0;
  const budget = await joinBudget(deps, job, now, sleep);

  let outcome;
  try {
    outcome = await runDeviceWindow<DeviceItem>({
      items: shards.devices(),
      maxInFlight: policy.maxInFlight,
      startUntil: plan.startUntil,
      now,
      stopCheckIntervalMs: deps.limits.stopCheckIntervalMs ?? STOP_CHECK_INTERVAL_MS,
      every: deps.delays.every,
      ...startGate(policy.beforeStart, budget?.takeOperation),
      stopBeforeStart: () => {
        abort ??= policy.abortCheck?.(executed);
        if (abort !== undefined) return 'aborted';
        if (now() >= window.end) return 'maintenanceWindow';
        return waveEnd !== undefined && startedBefore + startedHere >= waveEnd ? 'wave' : undefined;
      },
      checkStop: async () => {
        if (isPastDeadline(deps.clock.now(), command.deadline)) return 'deadline';
        if (now() >= window.end) return 'maintenanceWindow';
        const current = await loadJob(deps.jobs, job.jobId);
        if (current.job.status === 'cancelled') return 'cancelled';
        if (current.job.status === 'paused') return 'paused';
        await publishProgress(deps, current);
        abort ??= policy.abortCheck?.(executed);
        return abort === undefined ? undefined : 'aborted';
      },
      run: async ({ row, repeated }) => {
        const startedAt = now();
        startedHere += 1;
        writer.started(row, startedAt);
        inFlight += 1;
        calls.peakInFlight = Math.max(calls.peakInFlight, inFlight);
        const { result, attempts } = await runWithAttempts(
          policy,
          async (attempt) => {
            // The first call's share of the budget was taken before the device started (see startGate).
            if (attempt > 1) await budget?.takeOperation();
            return parentPatch
              ? restoreDevice(deps.gateway, { parentPatch, row, repeated }, (call) =>
                  withinBound(deps.delays, call, TWIN_CALL_BOUND_MS, row.deviceId),
                )
              : runDevice(deps, job, row.deviceId, repeated, plan, attempt);
          },
          () => now() < plan.startUntil,
          sleep,
        );
        inFlight -= 1;
        const endedAt = now();
        calls.count += 1;
        calls.seconds += (endedAt - startedAt) / 1000;
        calls.firstStartMs = Math.min(calls.firstStartMs ?? startedAt, startedAt);
        calls.lastEndMs = Math.max(calls.lastEndMs ?? endedAt, endedAt);
        const ended = { ...finish(row, result, iso(startedAt), iso(endedAt)), attempts };
        const waiting = await startCompletionWait(deps, job, ended, endedAt);
        if (waiting) return await writer.finished(waiting);
        countExecuted(executed, ended);
        await writer.finished(ended);
      },
    });
  } finally {
    await shards.settled();
    await writer.close();
    await budget?.share.leave();
  }
  if (calls.count > 0) cursor.calls = calls;
  if (job.completionCondition) cursor.completionWaits = true;
  if (executed.succeeded + executed.failed + executed.timedOut > 0) cursor.executed = executed;
  const done = cursor.targets.done && cursor.nextShard >= cursor.shardCount;
  // Criteria met by the last results count too: the job fails although nothing was left to cancel.
  abort ??= policy.abortCheck?.(executed);
  if (abort !== undefined && outcome.stoppedBy !== 'cancelled' && outcome.stoppedBy !== 'deadline') {
    const aborted: RunDevicesResult = {
      cursor,
      done: false,
      stoppedBy: 'aborted',
      abortReason: abort.reason,
    };
    if (abort.action === 'rollback') aborted.abortAction = 'rollback';
    return aborted;
  }
  // At a window's end the calls in flight have finished: the next step waits for the next window, or the job ends.
  if (outcome.stoppedBy === 'maintenanceWindow') {
    if (done) return { cursor, done };
    return cancelsAtWindowEnd(deps, job)
      ? { cursor, done: false, stoppedBy: 'maintenanceWindowEnded' }
      : { cursor, done: false };
  }
  if (outcome.stoppedBy === 'wave') {
    const paused = open !== undefined && (await endWave(deps, job.jobId, open)) && command.pausable;
    return paused ? { cursor, done: false, stoppedBy: 'paused' } : { cursor, done: false };
  }
  // Paused after its last device: nothing is left to hold. A v2 orchestration knows no pause: its step ends as if
  // its budget were spent, and the next one holds the job.
  if (outcome.stoppedBy === 'paused' && (done || !command.pausable)) return { cursor, done };
  if (outcome.stoppedBy && outcome.stoppedBy !== 'budget') {
    const result: RunDevicesResult = { cursor, done: false, stoppedBy: outcome.stoppedBy };
    if (abort !== undefined) result.abortReason = abort.reason;
    return result;
  }
  return { cursor, done };
}

/**
 * A continuous job's snapshot starts once every host's cached list of open continuous jobs holds it (it was
 * listed before it began running): a device written earlier is read by the snapshot, one written later joins.
 */
async function untilListedEverywhere(deps: JobExecutionDependencies, job: JobRecord, cursor: RunCursor) {
  if (job.targetSelection !== 'continuous' || cursor.shardCount > 0 || job.runStartedTime === undefined)
    return;
  const wait = Date.parse(job.runStartedTime) + CONTINUOUS_JOBS_CACHE_MS - deps.clock.now().getTime();
  if (wait > 0) await deps.delays.sleep(wait);
}

/**
 * One step over the job's devices waiting for its completion condition (see `settleCompletions`); a timeout its
 * `retryConfig` covers runs the device's operation again.
 */
export function settleJobCompletions(
  deps: JobExecutionDependencies,
  command: SettleCompletionsCommand,
): Promise<SettleCompletionsResult> {
  const now = () => deps.clock.now().getTime();
  return settleCompletions(deps, command, async (job, row, attempt, plan) => {
    const startedAt = now();
    const result = await runDevice(deps, job, row.deviceId, true, plan, attempt);
    return { ...finish(row, result, iso(startedAt), iso(now())), attempts: attempt };
  });
}

/**
 * The run step's place in the service-wide device-operation budget (none when no budget is set): every call to a
 * device, retries included, waits for the job's share to allow it.
 */
async function joinBudget(
  deps: JobExecutionDependencies,
  job: JobRecord,
  now: () => number,
  sleep: (ms: number) => Promise<void>,
): Promise<{ share: BudgetShare; takeOperation: () => Promise<void> } | undefined> {
  if (!deps.budget) return undefined;
  const share = await deps.budget.join(job.jobId, job.priority ?? DEFAULT_PRIORITY);
  return {
    share,
    takeOperation: createBudgetPacer({ operationsPerSecond: () => share.operationsPerSecond(), now, sleep }),
  };
}

/**
 * What a device waits for before it starts: the job's start rate, then its share of the budget for its first
 * call (so a device's start time is when its call went out, and a stop found while waiting starts nothing).
 */
function startGate(
  rateGate: (() => Promise<void>) | undefined,
  takeOperation: (() => Promise<void>) | undefined,
): { beforeStart?: () => Promise<void> } {
  if (!rateGate || !takeOperation) {
    const only = rateGate ?? takeOperation;
    return only ? { beforeStart: only } : {};
  }
  return {
    beforeStart: async () => {
      await rateGate();
      await takeOperation();
    },
  };
}

/** The job as it is once no longer paused, or still paused when the step's start budget ran out (v2 only). */
async function heldWhilePaused(
  deps: JobExecutionDependencies,
  job: JobRecord,
  startedAt: number,
): Promise<JobRecord> {
  const { startUntil } = planActivityTime(startedAt, deps.limits, 0);
  const interval = deps.limits.stopCheckIntervalMs ?? STOP_CHECK_INTERVAL_MS;
  let current = job;
  while (current.status === 'paused' && deps.clock.now().getTime() < startUntil) {
    await deps.delays.sleep(interval);
    current = (await loadJob(deps.jobs, job.jobId)).job;
  }
  return current;
}

/** The parent of a rollback job once it has ended, or undefined if it still runs at `until`. */
async function endedParent(
  deps: JobExecutionDependencies,
  parentJobId: string,
  until: number,
): Promise<JobRecord | undefined> {
  const interval = deps.limits.stopCheckIntervalMs ?? STOP_CHECK_INTERVAL_MS;
  for (;;) {
    const { job: parent } = await loadJob(deps.jobs, parentJobId);
    if (parent.endTime !== undefined) return parent;
    if (deps.clock.now().getTime() + interval >= until) return undefined;
    await deps.delays.sleep(interval);
  }
}

/** Records the end of a wave whose devices are all final; true when the job is paused after it. */
async function endWave(deps: JobExecutionDependencies, jobId: string, open: OpenWave): Promise<boolean> {
  const stats = await deps.jobs.getStatistics(jobId);
  const judged = await updateJob(
    deps.jobs,
    jobId,
    (current) => withEndedWave(current, open, stats, deps.clock.now()),
    { deps: deps.events, at: deps.clock.now().toISOString() },
  );
  return judged.status === 'paused';
}

/** Resolves targets into stored shards until none is left or `until` (the next step goes on from the cursor). */
async function resolveAllTargets(
  deps: JobExecutionDependencies,
  job: JobRecord,
  cursor: RunCursor,
  shardSize: number,
  until: number,
): Promise<void> {
  const now = () => deps.clock.now().getTime();
  const writer = new DeviceResultWriter(deps, job.jobId, { ...DEFAULT_RESULT_WRITER_OPTIONS, now });
  try {
    await new ShardFeed(deps, job, cursor, shardSize, 1, writer).resolveAll(until);
  } finally {
    await writer.close();
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function callBoundMs(job: JobRecord): number {
  return job.cloudToDeviceMethod ? methodCallBoundMs(job.cloudToDeviceMethod) : TWIN_CALL_BOUND_MS;
}

/**
 * One device's attempts: a failure its retry criteria cover is tried again after a back-off, while the step may
 * still start work; the last result is final. Answers it with the number of calls made.
 */
async function runWithAttempts(
  policy: RunPolicy,
  once: (attempt: number) => Promise<DeviceResult>,
  mayRetry: () => boolean,
  sleep: (ms: number) => Promise<void>,
): Promise<{ result: DeviceResult; attempts: number }> {
  for (let attempt = 1; ; attempt += 1) {
    const result = await once(attempt);
    if (policy.retriesLeft(result, attempt) === 0 || !mayRetry()) return { result, attempts: attempt };
    await sleep(policy.delayMs(attempt));
  }
}

/** Adds a final result to the counts abort criteria read. */
function countExecuted(counts: ExecutedCounts, result: DeviceResult): void {
  if (result.status === 'completed') counts.succeeded += 1;
  else if (failureTypeOf(result.error) === 'timedOut') counts.timedOut += 1;
  else counts.failed += 1;
}

async function runDevice(
  deps: JobExecutionDependencies,
  job: JobRecord,
  deviceId: string,
  repeated: boolean,
  plan: ActivityTimePlan,
  attempt: number,
): Promise<DeviceResult> {
  try {
    if (job.cloudToDeviceMethod) {
      const method = fitMethodTimeouts(job.cloudToDeviceMethod, deps.clock.now().getTime(), plan.hardEnd);
      return methodResult(
        await withinBound(
          deps.delays,
          deps.gateway.invokeMethod(deviceId, method, attempt),
          methodCallBoundMs(method),
          deviceId,
        ),
        job.countMethodErrorsAsFailures === true,
      );
    }
    if (job.updateTwin) {
      const patch = job.updateTwin;
      // Repeated after a crash: a twin that already holds the patch is left alone (one change per job and device).
      if (repeated && isPatchApplied(patch, await deps.gateway.readTwin(deviceId))) return twinResult();
      const applied = await withinBound(
        deps.delays,
        deps.gateway.applyTwinPatch(deviceId, patch),
        TWIN_CALL_BOUND_MS,
        deviceId,
      );
      return twinResult(overwrittenBy(patch, applied.previous));
    }
    return errorResult(new Error('The job has neither a method nor a twin patch.'));
  } catch (error: unknown) {
    return errorResult(error);
  }
}

/** A call that outlives its own timeouts is reported as timed out, so an activity never waits past its plan. */
async function withinBound<T>(
  delays: Delays,
  call: Promise<T>,
  boundMs: number,
  deviceId: string,
): Promise<T> {
  let cancel: CancelTimer | undefined;
  const expired = new Promise<never>((_, reject) => {
    cancel = delays.after(boundMs, () =>
      reject(
        Object.assign(new Error(`Timed out waiting for the response from device ${deviceId}.`), {
          code: 'GatewayTimeout',
        }),
      ),
    );
  });
  try {
    return await Promise.race([call, expired]);
  } finally {
    cancel?.();
  }
}

/**
 * The devices of a run, shard by shard from the cursor: a shard already resolved is read back; past the last
 * one, the next page of targets becomes a new shard of `pending` rows. The next shard is prepared while the
 * current one runs. Updates the cursor as it goes.
 */
class ShardFeed {
  private readonly targets: TargetPages;
  private readonly preparing = new Set<Promise<unknown>>();
  /** Shards are resolved one after another (each page continues the one before). */
  private resolving: Promise<unknown> = Promise.resolve();
  private readonly attempted = new Set<number>();
  private statesLoaded: Promise<void> | undefined;
  private readonly known = new Set<number>();
  /** The join queue was found empty (or taking from it failed): this step takes no more joined devices. */
  private joinQueueDone = false;
  /** Shards a target page resolved beyond the one asked for, until their turn. */
  private readonly resolvedAhead = new Map<number, DeviceJobRecord[]>();

  constructor(
    private readonly deps: JobExecutionDependencies,
    private readonly job: JobRecord,
    private readonly cursor: RunCursor,
    private readonly shardSize: number,
    private readonly maxInFlight: number,
    private readonly writer: DeviceResultWriter,
  ) {
    this.targets = new TargetPages(deps, job);
  }

  /** Counters of the shards this run has seen. */
  counters(): ShardCounters[] {
    const all: ShardCounters[] = [];
    for (let shard = 0; shard < this.cursor.shardCount; shard += 1) {
      const counters = this.writer.countersOf(shard);
      if (counters) all.push(counters);
    }
    return all;
  }

  /** Resolves once no shard is being prepared (so nothing is written after the run ends). */
  async settled(): Promise<void> {
    await Promise.allSettled(this.preparing);
  }

  /** Resolves every target into stored shards (none kept in memory), within `until`. */
  async resolveAll(until: number): Promise<void> {
    await this.loadStates();
    while (!this.cursor.targets.done && this.deps.clock.now().getTime() < until) {
      await this.rowsOf(this.cursor.shardCount);
      this.resolvedAhead.clear();
    }
  }

  async *devices(): AsyncGenerator<DeviceItem> {
    await this.loadStates();
    // Shards are prepared a few ahead of the one running (each written before the cursor counts it).
    const ahead: Promise<PreparedShard | undefined>[] = [];
    let nextToPrepare = this.cursor.nextShard;
    // About two windows of devices ahead (enough to keep the window full, little to write back at a stop), and at
    // least a page of targets: the next page is read while the current one runs (a page read can take a while).
    const depth = Math.max(
      Math.min(MAX_PREFETCH_SHARDS, Math.max(1, Math.ceil((2 * this.maxInFlight) / this.shardSize))),
      targetPageSize(this.shardSize) / this.shardSize + 1,
    );
    const refill = () => {
      while (ahead.length < depth) ahead.push(this.track(this.prepare(nextToPrepare++)));
    };
    refill();
    for (;;) {
      const current = await ahead.shift();
      if (!current) return;
      refill();
      for (const row of current.rows) {
        // A device waiting for its completion condition ran already: its wait settles it.
        if (!isTerminalDeviceJobStatus(row.status) && row.waitingUntil === undefined)
          yield { row, repeated: current.repeated };
      }
      this.cursor.nextShard = current.shard + 1;
    }
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.preparing.add(promise);
    void promise.then(
      () => this.preparing.delete(promise),
      () => this.preparing.delete(promise),
    );
    return promise;
  }

  private async loadStates(): Promise<void> {
    this.statesLoaded ??= (async () => {
      for (const state of await this.deps.jobs.listShardStates(this.job.jobId)) {
        this.known.add(state.shard);
        if (state.attempted) this.attempted.add(state.shard);
      }
    })();
    await this.statesLoaded;
  }

  /**
   * The shard's rows, with the shard marked attempted before any of its devices starts: a later run that finds
   * the mark knows a device not ended may already have been acted on.
   */
  private async prepare(shard: number): Promise<PreparedShard | undefined> {
    const read = this.resolving.then(() => this.rowsOf(shard));
    this.resolving = read.catch(() => undefined);
    const rows = await read;
    if (!rows) return undefined;
    const repeated = this.attempted.has(shard);
    if (!repeated && rows.some((row) => !isTerminalDeviceJobStatus(row.status))) {
      await this.deps.jobs.markShardsAttempted(this.job.jobId, [shard]);
    }
    return { shard, rows, repeated };
  }

  private async rowsOf(shard: number): Promise<DeviceJobRecord[] | undefined> {
    const resolved = this.resolvedAhead.get(shard);
    if (resolved) {
      this.resolvedAhead.delete(shard);
      return resolved;
    }
    if (shard < this.cursor.shardCount) {
      const rows = await this.deps.deviceJobs.listShard(this.job.jobId, shard);
      this.writer.track(shard, rows);
      return rows;
    }
    for (;;) {
      const { targets } = this.cursor;
      if (targets.done) return this.joinedShard(shard);
      // One page of targets makes several shards: a storage page of ~1,000 rows costs about what 100 cost.
      const page = await this.targets.read(targets.continuation, targetPageSize(this.shardSize));
      if (page.continuation === undefined) this.cursor.targets = { done: true };
      else this.cursor.targets = { done: false, continuation: page.continuation };
      const chunks = shardsOf(page.deviceIds, this.shardSize);
      // A device the snapshot found never joins the job again later.
      if (this.continuous && page.deviceIds.length > 0) {
        await this.deps.joins?.addSnapshotMembers(this.job.jobId, page.deviceIds);
      }
      if (chunks.length > 0) {
        const written = await Promise.all(
          chunks.map((ids, index) => this.writeShard(shard + index, ids, page.restore)),
        );
        this.cursor.shardCount = shard + chunks.length;
        written.slice(1).forEach((rows, index) => this.resolvedAhead.set(shard + 1 + index, rows));
        return written[0];
      }
    }
  }

  /**
   * Past the snapshot of a continuous job: the devices that joined it since, as the next shard, taken off the join
   * queue only once their rows and the shard's counters are stored: a step that dies in between leaves them queued,
   * and the next one reads the stored shard back (and takes its devices off the queue, so none runs twice).
   */
  private async joinedShard(shard: number): Promise<DeviceJobRecord[] | undefined> {
    const joins = this.deps.joins;
    if (!this.continuous || !joins) return undefined;
    if (this.known.has(shard)) {
      const rows = await this.deps.deviceJobs.listShard(this.job.jobId, shard);
      this.writer.track(shard, rows);
      this.cursor.shardCount = shard + 1;
      await joins.dequeue(
        this.job.jobId,
        rows.map((row) => row.deviceId),
      );
      return rows;
    }
    // Shards are prepared far ahead: once the queue was found empty, this step asks no more (the next one will).
    if (this.joinQueueDone) return undefined;
    try {
      return await this.takeJoined(joins, shard);
    } catch (error: unknown) {
      // The shards prepared after this one would take the same queued devices again: this step takes no more.
      this.joinQueueDone = true;
      throw error;
    }
  }

  private async takeJoined(joins: JobJoinRepository, shard: number): Promise<DeviceJobRecord[] | undefined> {
    const deviceIds = await joins.queued(this.job.jobId, this.shardSize);
    if (deviceIds.length === 0) {
      this.joinQueueDone = true;
      return undefined;
    }
    const now = this.deps.clock.now().toISOString();
    const rows = deviceIds.map((deviceId) => pendingRow(this.job, deviceId, shard, now));
    await this.deps.deviceJobs.upsertMany(rows);
    await this.deps.jobs.writeShardCounters(
      this.job.jobId,
      shard,
      countDeviceStatuses(rows.map((row) => row.status)),
    );
    this.writer.track(shard, rows);
    this.cursor.shardCount = shard + 1;
    await joins.dequeue(this.job.jobId, deviceIds);
    return rows;
  }

  private get continuous(): boolean {
    return this.job.targetSelection === 'continuous';
  }

  /** The shard's pending rows; a shard an interrupted run already wrote is read back and completed. */
  private async writeShard(
    shard: number,
    deviceIds: string[],
    restore: ResolvedTargetPage['restore'],
  ): Promise<DeviceJobRecord[]> {
    const stored = this.known.has(shard) ? await this.deps.deviceJobs.listShard(this.job.jobId, shard) : [];
    const have = new Set(stored.map((row) => row.deviceId));
    const now = this.deps.clock.now().toISOString();
    const fresh = deviceIds
      .filter((deviceId) => !have.has(deviceId))
      .map((deviceId) => {
        const row = pendingRow(this.job, deviceId, shard, now);
        const values = restore?.get(deviceId);
        return values ? { ...row, restore: values } : row;
      });
    const rows = [...stored, ...fresh];
    this.writer.track(shard, rows);
    await this.writer.put(fresh);
    return rows;
  }
}
