import { planActivityTime } from '../core/activity-time';
import { DEVICE_ERROR_CODES } from '../core/device-outcome';
import { withEngineLease } from './lease';
import { DeviceResultWriter, DEFAULT_RESULT_WRITER_OPTIONS } from './device-result-writer';
import {
  type JobExecutionDependencies,
  type JobOutcome,
  type RunCursor,
  deadlineError,
  loadJob,
  pendingRow,
  settle,
  updateJob,
} from './job-execution';
import { assertTransition, isTerminalJobStatus } from '../core/job-lifecycle';
import type { JobRecord, JobStatus } from '../core/job-model';
import { isTerminalDeviceJobStatus } from '../core/job-model';
import { blendedObservation, observationOf, slowdownOf } from '../core/job-observation';
import { TargetPages, shardsOf, targetPageSize } from './job-targets';

export interface FinalizeJobCommand {
  jobId: string;
  outcome: JobOutcome;
  failureReason?: string;
  /** Error code given to devices that never finished when the job failed. */
  deviceErrorCode?: string;
  /** Settle devices that never started as `canceled` although the job fails (an abort criterion was met). */
  settleAs?: 'canceled';
  /** Where the run stopped; absent: every stored shard is settled and no further target is resolved. */
  cursor?: RunCursor;
  /** Targets per shard (the run's page size), for targets still to be settled. */
  shardSize: number;
  /** Why the job ended, when more than its outcome says (e.g. cancelled at a maintenance window's end). */
  statusMessage?: string;
  /** An abort criterion with `action: rollback` was met: once the job ended, `<jobId>-rollback` starts. */
  rollBack?: true;
}

export interface FinalizeJobResult {
  /** False when the time budget ran out first: call again with `cursor`. */
  done: boolean;
  cursor?: RunCursor;
  status?: JobStatus;
  endTime?: string;
}

/**
 * Ends a job in time-bounded steps: settles devices that never finished (`canceled` on cancel, `failed`
 * otherwise) — the rows of resolved shards, then targets never resolved, which get a settled row directly — and
 * then moves the job to its final status with its end time. A job already ended (e.g. cancelled on request)
 * keeps its status and only gains its end time. Idempotent.
 */
export async function finalizeJob(
  deps: FinalizeDependencies,
  command: FinalizeJobCommand,
): Promise<FinalizeJobResult> {
  const startedAt = deps.clock.now().getTime();
  const { startUntil } = planActivityTime(startedAt, deps.limits, 0);
  const result = await withEngineLease(deps, command.jobId, startUntil, () =>
    finalizeLeased(deps, command, startedAt),
  );
  return result ?? (command.cursor ? { done: false, cursor: command.cursor } : { done: false });
}

export type FinalizeDependencies = Omit<JobExecutionDependencies, 'gateway'> &
  Partial<Pick<JobExecutionDependencies, 'gateway'>> & {
    /** Starts the rollback an abort criterion asks for (absent: such an abort only fails the job). */
    rollbacks?: AbortRollbackStarter;
  };

/** Starts `<jobId>-rollback` for a job an abort criterion with `action: rollback` stopped; idempotent. */
export interface AbortRollbackStarter {
  startAbortRollback(jobId: string): Promise<void>;
}

async function finalizeLeased(
  deps: FinalizeDependencies,
  command: FinalizeJobCommand,
  startedAt: number,
): Promise<FinalizeJobResult> {
  const { job } = await loadJob(deps.jobs, command.jobId);
  if (command.outcome !== 'completed') {
    const cursor = command.cursor ? { ...command.cursor } : await storedShards(deps, job.jobId);
    const { startUntil } = planActivityTime(startedAt, deps.limits, 0);
    const finished = await settleOpenDevices(deps, job, command, cursor, startUntil);
    if (!finished) return { done: false, cursor };
  }
  if (job.completionCondition) await deps.completionWaits?.deleteJob(job.jobId);
  const endTime = deps.clock.now().toISOString();
  const ended = await updateJob(
    deps.jobs,
    job.jobId,
    (current) => {
      if (isTerminalJobStatus(current.status)) {
        return current.endTime ? undefined : { ...current, endTime };
      }
      assertTransition(current.status, command.outcome);
      const next: JobRecord = {
        ...current,
        status: command.outcome,
        endTime,
        statusMessage: command.statusMessage ?? statusMessageFor(command.outcome),
      };
      delete next.nextWindowStart;
      if (command.failureReason !== undefined) next.failureReason = command.failureReason;
      return next;
    },
    { deps: deps.events, at: endTime },
  );
  // An ended continuous job takes no more devices: off the open list, its members and queue removed.
  if (ended.targetSelection === 'continuous') await deps.joins?.close(ended.jobId);
  const observation =
    ended.endTime === endTime ? observationOf(ended, command.cursor?.calls, endTime) : undefined;
  if (observation && deps.observations) {
    const slowdown = deps.gateway
      ? await slowdownOf(deps.gateway, ended, await deps.deviceJobs.listShard(ended.jobId, 0))
      : undefined;
    const measured = slowdown === undefined ? observation : { ...observation, slowdown };
    const previous = await deps.observations.latest(ended.type);
    await deps.observations.record(ended.type, blendedObservation(previous, measured));
  }
  // Also when a repeated delivery finds the job ended: the rollback's id makes a second start a no-op.
  if (command.rollBack && deps.rollbacks) await deps.rollbacks.startAbortRollback(job.jobId);
  return ended.endTime
    ? { done: true, status: ended.status, endTime: ended.endTime }
    : { done: true, status: ended.status };
}

/** Settles from the cursor on; false when the budget ran out first (the cursor says where to resume). */
async function settleOpenDevices(
  deps: Omit<JobExecutionDependencies, 'gateway'> & Partial<Pick<JobExecutionDependencies, 'gateway'>>,
  job: JobRecord,
  command: FinalizeJobCommand,
  cursor: RunCursor,
  startUntil: number,
): Promise<boolean> {
  const status = command.outcome === 'cancelled' || command.settleAs === 'canceled' ? 'canceled' : 'failed';
  const code = command.deviceErrorCode ?? DEVICE_ERROR_CODES.jobFailed;
  const error = {
    code,
    description:
      code === DEVICE_ERROR_CODES.deadlineExceeded
        ? deadlineError(job).description
        : (command.failureReason ?? 'The job failed.'),
  };
  const now = () => deps.clock.now().getTime();
  const writer = new DeviceResultWriter(deps, job.jobId, { ...DEFAULT_RESULT_WRITER_OPTIONS, now });
  try {
    const open = new Set(
      (await deps.jobs.listShardStates(job.jobId))
        .filter(({ counters }) => counters.pending + counters.running > 0)
        .map(({ shard }) => shard),
    );
    for (; cursor.nextShard < cursor.shardCount; cursor.nextShard += 1) {
      if (now() >= startUntil) return false;
      if (!open.has(cursor.nextShard)) continue;
      const rows = await deps.deviceJobs.listShard(job.jobId, cursor.nextShard);
      writer.track(cursor.nextShard, rows);
      const unfinished = rows.filter((row) => !isTerminalDeviceJobStatus(row.status));
      await writer.put(
        settle(unfinished, status, deps.clock.now(), error),
        unfinished.map((row) => row.status),
      );
    }
    if (!cursor.targets.done && deps.gateway) {
      const targets = new TargetPages(
        { deviceIdLists: deps.deviceIdLists, deviceJobs: deps.deviceJobs, gateway: deps.gateway },
        job,
      );
      while (!cursor.targets.done) {
        if (now() >= startUntil) return false;
        const page = await targets.read(cursor.targets.continuation, targetPageSize(command.shardSize));
        cursor.targets = page.continuation
          ? { done: false, continuation: page.continuation }
          : { done: true };
        const at = deps.clock.now().toISOString();
        for (const deviceIds of shardsOf(page.deviceIds, command.shardSize)) {
          const shard = cursor.shardCount;
          const rows = settle(
            deviceIds.map((deviceId) => pendingRow(job, deviceId, shard, at)),
            status,
            deps.clock.now(),
            error,
          );
          await writer.put(
            rows,
            rows.map(() => null),
          );
          cursor.shardCount = shard + 1;
          cursor.nextShard = cursor.shardCount;
        }
      }
    }
    return true;
  } finally {
    await writer.close();
  }
}

/** A cursor over every stored shard, resolving nothing further (for a job whose run cursor is lost). */
async function storedShards(deps: Pick<JobExecutionDependencies, 'jobs'>, jobId: string): Promise<RunCursor> {
  const shards = (await deps.jobs.listShardStates(jobId)).map(({ shard }) => shard);
  return {
    shardCount: shards.length === 0 ? 0 : Math.max(...shards) + 1,
    nextShard: 0,
    targets: { done: true },
  };
}

function statusMessageFor(outcome: JobOutcome): string {
  if (outcome === 'completed') return 'Completed.';
  if (outcome === 'cancelled') return 'Cancelled.';
  return 'Failed.';
}
