import {
  methodCallBoundMs,
  planActivityTime,
  TWIN_CALL_BOUND_MS,
  type ActivityTimePlan,
} from '../core/activity-time';
import { COMPLETION_TIMEOUT_CODE, WATCH_PRESENCE_MAX_AGE_MS } from '../core/completion-condition';
import { DEFAULT_RESULT_WRITER_OPTIONS, DeviceResultWriter } from './device-result-writer';
import { withEngineLease } from './lease';
import { type JobExecutionDependencies, loadJob } from './job-execution';
import {
  type DeviceJobError,
  type DeviceJobRecord,
  type JobRecord,
  isTerminalDeviceJobStatus,
} from '../core/job-model';
import type { CompletionWait, CompletionWaitRepository, TwinConditionCheck } from '../core/ports';
import { type ExecutedCounts, abortReason, failureTypeOf, retriesFor } from '../core/rollout-policy';

/** Waits settled per storage read (met ones first, then those due). */
const SETTLE_BATCH = 100;
/** Waits settled at once (each a few storage calls, due ones a twin read). */
const SETTLE_CONCURRENCY = 16;
/** When a settle step could not take the engine lease, the orchestration looks again this much later. */
const LEASE_RETRY_MS = 2_000;

export interface SettleCompletionsCommand {
  jobId: string;
  /** Final device results of the job so far (the run's, then each settle step's). */
  executed?: ExecutedCounts;
}

export interface SettleCompletionsResult {
  /** Devices still wait: the orchestration waits for a wake event or `wakeAt`, whichever comes first. */
  remaining: boolean;
  /** When the next wait falls due (a simulated report, a timeout); absent when none is left. */
  wakeAt?: string;
  executed: ExecutedCounts;
  /** Set when the job's abort criteria are met by the results so far. */
  abortReason?: string;
  /**
   * The job is paused: devices that met their condition were settled, none timed out. The orchestration waits
   * for `resume` (or a wake, cancel, the deadline) rather than for `wakeAt`.
   */
  paused?: boolean;
}

function waitsOf(deps: JobExecutionDependencies): CompletionWaitRepository {
  if (!deps.completionWaits) throw new Error('completionCondition needs a completion wait store.');
  return deps.completionWaits;
}

async function conditionCheck(
  deps: JobExecutionDependencies,
  deviceId: string,
  condition: string,
): Promise<TwinConditionCheck> {
  try {
    return await deps.gateway.checkTwinCondition(deviceId, condition);
  } catch {
    // A twin that cannot be read now does not meet the condition now; its wait goes on.
    return { holds: false };
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * When a wait times out: its deadline moved by the time the job spent paused since the wait began (a timeout's
 * clock stops while the job is paused; docs/jobs.md "Completion conditions").
 */
export function waitDeadline(job: Pick<JobRecord, 'pausedMs'>, wait: CompletionWait): string {
  const pausedSince = (job.pausedMs ?? 0) - (wait.pausedMsAtStart ?? 0);
  return pausedSince > 0 ? iso(Date.parse(wait.deadline) + pausedSince) : wait.deadline;
}

/**
 * After a device's operation succeeded in a job with a `completionCondition`: the row to write. When the
 * condition holds already, the row as it is (`completed`); otherwise the device waits: its wait is stored (filed
 * at a due simulated report, else at its deadline) and its row stays `running` with `waitingUntil`. Answers
 * `undefined` for rows that do not wait (failures, jobs without a condition).
 */
export async function startCompletionWait(
  deps: JobExecutionDependencies,
  job: JobRecord,
  row: DeviceJobRecord,
  endedAt: number,
): Promise<DeviceJobRecord | undefined> {
  const completion = job.completionCondition;
  if (!completion || row.status !== 'completed') return undefined;
  const { condition } = completion;
  const first = await conditionCheck(deps, row.deviceId, condition);
  if (first.holds) return undefined;
  const deadline = iso(endedAt + completion.timeoutInSeconds * 1000);
  // A twin writer that last found no watch anywhere may miss this one until its knowledge is renewed: by then the
  // device is looked at again (once; then at its simulated report or deadline).
  const unseenUntil = iso(deps.clock.now().getTime() + 2 * WATCH_PRESENCE_MAX_AGE_MS);
  const due = first.recheckAt !== undefined ? iso(first.recheckAt) : deadline;
  const earliest = [due, unseenUntil].sort()[0] ?? due;
  const wait: CompletionWait = {
    jobId: job.jobId,
    deviceId: row.deviceId,
    shard: row.shard,
    condition,
    deadline,
    dueAt: earliest < deadline ? earliest : deadline,
    attempts: row.attempts ?? 1,
  };
  if (job.pausedMs) wait.pausedMsAtStart = job.pausedMs;
  const waits = waitsOf(deps);
  await waits.add([wait]);
  // The twin may have changed before the wait was stored, where no writer saw it: look once more.
  if ((await conditionCheck(deps, row.deviceId, condition)).holds) {
    await waits.remove([wait]);
    return undefined;
  }
  const waiting: DeviceJobRecord = { ...row, status: 'running', waitingUntil: deadline };
  delete waiting.endTimeUtc;
  return waiting;
}

/** The device's operation once more (a timeout its job's `retryConfig` covers); returns the result's row. */
export type RunOperation = (
  job: JobRecord,
  row: DeviceJobRecord,
  attempt: number,
  plan: ActivityTimePlan,
) => Promise<DeviceJobRecord>;

/**
 * One time-bounded step over a job's waiting devices: those whose device met the condition (marked by the twin
 * writers) become `completed`; those due are looked at (a simulated report landed: the twin is read once) and at
 * their deadline fail with `CompletionConditionTimeout`, or run again when `retryConfig` covers it. Results
 * count for `abortConfig` like any other. While the job is paused only those that met the condition are settled:
 * none times out or runs again, and after the resume each deadline is later by the pause. Runs under the job's
 * engine lease.
 */
export async function settleCompletions(
  deps: JobExecutionDependencies,
  command: SettleCompletionsCommand,
  runOperation: RunOperation,
): Promise<SettleCompletionsResult> {
  const executed: ExecutedCounts = { ...(command.executed ?? { succeeded: 0, failed: 0, timedOut: 0 }) };
  const startedAt = deps.clock.now().getTime();
  const { startUntil } = planActivityTime(startedAt, deps.limits, 0);
  const result = await withEngineLease(deps, command.jobId, startUntil, () =>
    settleLeased(deps, command.jobId, executed, startedAt, runOperation),
  );
  return result ?? { remaining: true, wakeAt: iso(startedAt + LEASE_RETRY_MS), executed };
}

async function settleLeased(
  deps: JobExecutionDependencies,
  jobId: string,
  executed: ExecutedCounts,
  startedAt: number,
  runOperation: RunOperation,
): Promise<SettleCompletionsResult> {
  const waits = waitsOf(deps);
  const { job } = await loadJob(deps.jobs, jobId);
  const paused = job.status === 'paused';
  const now = () => deps.clock.now().getTime();
  const plan = planActivityTime(
    startedAt,
    deps.limits,
    job.cloudToDeviceMethod ? methodCallBoundMs(job.cloudToDeviceMethod) : TWIN_CALL_BOUND_MS,
  );
  // Cleared first: a device that meets its condition from now on sends a new wake.
  await waits.clearWake(jobId);
  const writer = new DeviceResultWriter(deps, jobId, { ...DEFAULT_RESULT_WRITER_OPTIONS, now });
  let reason: string | undefined;
  try {
    for (const state of await deps.jobs.listShardStates(jobId)) writer.adopt(state.shard, state.counters);
    const settleOne = async (wait: CompletionWait, met: boolean) => {
      const row = await deps.deviceJobs.get(jobId, wait.shard, wait.deviceId);
      if (!row || isTerminalDeviceJobStatus(row.status) || row.waitingUntil === undefined) {
        await waits.remove([wait]);
        return;
      }
      const check = met ? { holds: true } : await conditionCheck(deps, wait.deviceId, wait.condition);
      const at = now();
      if (check.holds) return finish(row, wait, 'completed', at);
      const deadline = waitDeadline(job, wait);
      if (wait.dueAt < deadline) {
        const recheck =
          check.recheckAt !== undefined && check.recheckAt > at ? iso(check.recheckAt) : undefined;
        return waits.refile(wait, recheck !== undefined && recheck < deadline ? recheck : deadline);
      }
      const error: DeviceJobError = {
        code: COMPLETION_TIMEOUT_CODE,
        description: `The completion condition did not hold on the device's twin within ${job.completionCondition?.timeoutInSeconds ?? 0} s: ${wait.condition}`,
      };
      if (retriesFor(job.retryConfig, error) + 1 > wait.attempts && at < plan.startUntil) {
        await waits.remove([wait]);
        const again = await runOperation(job, row, wait.attempts + 1, plan);
        const waiting = await startCompletionWait(deps, job, again, now());
        const next = waiting ?? again;
        if (!waiting) count(executed, next);
        await writer.put([next], [row.status]);
        return;
      }
      return finish(row, wait, 'failed', at, error);
    };
    const finish = async (
      row: DeviceJobRecord,
      wait: CompletionWait,
      status: 'completed' | 'failed',
      at: number,
      error?: DeviceJobError,
    ) => {
      const next: DeviceJobRecord = { ...row, status, endTimeUtc: iso(at), lastUpdatedDateTimeUtc: iso(at) };
      delete next.waitingUntil;
      if (error) next.error = error;
      count(executed, next);
      await writer.put([next], [row.status]);
      await waits.remove([wait]);
    };
    while (now() < plan.startUntil) {
      const met = await waits.met(jobId, SETTLE_BATCH);
      const due = paused ? [] : await waits.due(jobId, iso(now()), SETTLE_BATCH - met.length);
      if (met.length + due.length === 0) break;
      const items = [
        ...met.map((wait) => ({ wait, met: true })),
        ...due.map((wait) => ({ wait, met: false })),
      ];
      await eachInParallel(items, SETTLE_CONCURRENCY, ({ wait, met: isMet }) => settleOne(wait, isMet));
      reason = abortReason(job.abortConfig, executed);
      if (reason !== undefined) break;
    }
  } finally {
    await writer.close();
  }
  const wakeAt = await waits.nextDue(jobId);
  const result: SettleCompletionsResult = { remaining: wakeAt !== undefined, executed };
  if (wakeAt !== undefined) result.wakeAt = wakeAt;
  if (reason !== undefined) result.abortReason = reason;
  if (paused && result.remaining) result.paused = true;
  return result;
}

function count(counts: ExecutedCounts, row: DeviceJobRecord): void {
  if (row.status === 'completed') counts.succeeded += 1;
  else if (failureTypeOf(row.error) === 'timedOut') counts.timedOut += 1;
  else counts.failed += 1;
}

async function eachInParallel<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await run(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
