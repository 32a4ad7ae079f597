import {
  DEVICE_ERROR_CODES,
  type DeviceResult,
  errorResult,
  methodResult,
  twinResult,
} from './device-outcome';
import { JobConcurrencyError, JobNotFoundError } from './job-errors';
import { assertTransition, canTransition, isTerminalJobStatus } from './job-lifecycle';
import type { DeviceJobRecord, DeviceJobStatus, JobRecord, JobStatus } from './job-model';
import { isTerminalDeviceJobStatus } from './job-model';
import { type DeviceCallSpan, callSpanOf, observationOf } from './job-observation';
import { type ShardCounters, countDeviceStatuses } from './job-statistics';
import { type ShardDescriptor, chunk, isPastDeadline, planShards, shardOf } from './execution-plan';
import type {
  Clock,
  DeviceIdListRepository,
  DeviceJobRepository,
  DurationObservationRepository,
  JobDeviceGateway,
  JobRepository,
  StoredJob,
} from './ports';

/** Ports the execution steps (the orchestration's activities) work with. */
export interface JobExecutionDependencies {
  jobs: JobRepository;
  /** Where finished jobs leave their device latency for dry-run estimates (optional). */
  observations?: DurationObservationRepository;
  deviceIdLists: DeviceIdListRepository;
  deviceJobs: DeviceJobRepository;
  gateway: JobDeviceGateway;
  clock: Clock;
}

export interface MarkRunningResult {
  /** False when the job was cancelled (or otherwise ended) before it could run. */
  proceed: boolean;
  status: JobStatus;
}

export interface ResolveTargetsResult {
  deviceCount: number;
  shards: ShardDescriptor[];
}

/** Why a shard stopped before running all of its devices. */
export type ShardStopReason = 'cancelled' | 'deadline';

export interface ShardRunResult {
  shard: number;
  counters: ShardCounters;
  stoppedBy?: ShardStopReason;
}

export interface RunShardCommand {
  jobId: string;
  shard: number;
  /** ISO instant after which no device is started. */
  deadline: string;
  devicesInFlight: number;
}

export type JobOutcome = 'completed' | 'failed' | 'cancelled';

export interface FinalizeJobCommand {
  jobId: string;
  outcome: JobOutcome;
  failureReason?: string;
  /** Shards whose unfinished devices must be settled (0..shardCount-1). */
  shardCount: number;
  /** Error code given to devices that never finished when the job failed. */
  deviceErrorCode?: string;
}

/** Writes in batch-sized groups so a single Table transaction never grows past its limits. */
const RESULT_BATCH = 100;

export async function loadJob(jobs: JobRepository, jobId: string): Promise<StoredJob> {
  const stored = await jobs.get(jobId);
  if (!stored) throw new JobNotFoundError(jobId);
  return stored;
}

/** Applies `change` to the job row, re-reading and retrying when a concurrent writer got there first. */
async function updateJob(
  jobs: JobRepository,
  jobId: string,
  change: (job: JobRecord) => JobRecord | undefined,
): Promise<JobRecord> {
  for (;;) {
    const stored = await loadJob(jobs, jobId);
    const next = change(stored.job);
    if (!next) return stored.job;
    try {
      await jobs.update(next, stored.etag);
      return next;
    } catch (error: unknown) {
      if (!(error instanceof JobConcurrencyError)) throw error;
    }
  }
}

/** Moves a queued or scheduled job to `running`, recording when it actually started. Idempotent. */
export async function markJobRunning(
  deps: Pick<JobExecutionDependencies, 'jobs'>,
  command: { jobId: string; runStartedTime: string },
): Promise<MarkRunningResult> {
  const job = await updateJob(deps.jobs, command.jobId, (current) => {
    if (!canTransition(current.status, 'running')) return undefined;
    return {
      ...current,
      status: 'running',
      runStartedTime: command.runStartedTime,
      statusMessage: 'Running.',
    };
  });
  return { proceed: job.status === 'running', status: job.status };
}

/**
 * Lists the job's devices (the stored id list, or the query through the gateway), writes a `pending` row per
 * device and a counter row per shard, and records the shard count. Safe to re-run: a partial earlier attempt is
 * wiped first, and a finished one is answered from the job row.
 */
export async function resolveJobTargets(
  deps: JobExecutionDependencies,
  command: { jobId: string; shardSize: number },
): Promise<ResolveTargetsResult> {
  const { job } = await loadJob(deps.jobs, command.jobId);
  if (job.shardCount !== undefined) {
    const shards = await Promise.all(
      Array.from({ length: job.shardCount }, async (_, shard) => ({
        shard,
        deviceCount: (await deps.deviceJobs.listShard(job.jobId, shard)).length,
      })),
    );
    return { deviceCount: shards.reduce((sum, s) => sum + s.deviceCount, 0), shards };
  }
  await deps.deviceJobs.deleteJob(job.jobId);
  await deps.jobs.deleteShardCounters(job.jobId);

  const deviceIds = await listTargets(deps, job);
  const now = deps.clock.now().toISOString();
  const shards = planShards(deviceIds.length, command.shardSize);
  for (const descriptor of shards) {
    const start = descriptor.shard * command.shardSize;
    const rows = deviceIds
      .slice(start, start + descriptor.deviceCount)
      .map((deviceId, offset): DeviceJobRecord => ({
        jobId: job.jobId,
        deviceId,
        jobType: job.type,
        shard: shardOf(start + offset, command.shardSize),
        status: 'pending',
        createdDateTimeUtc: now,
        lastUpdatedDateTimeUtc: now,
      }));
    await deps.deviceJobs.upsertMany(rows);
    await deps.jobs.writeShardCounters(
      job.jobId,
      descriptor.shard,
      countDeviceStatuses(rows.map((r) => r.status)),
    );
  }
  await updateJob(deps.jobs, job.jobId, (current) => ({ ...current, shardCount: shards.length }));
  return { deviceCount: deviceIds.length, shards };
}

async function listTargets(deps: JobExecutionDependencies, job: JobRecord): Promise<string[]> {
  if (job.deviceIdList) return deps.deviceIdLists.load(job.deviceIdList.listId);
  const seen = new Set<string>();
  for await (const page of deps.gateway.resolveTargets(job.queryCondition ?? '*')) {
    for (const id of page) seen.add(id);
  }
  // Sorted, so that shard membership does not depend on the order the registry happened to answer in.
  return [...seen].sort();
}

/**
 * Runs one shard's unfinished devices through the gateway, `devicesInFlight` at a time, writing results and the
 * shard's counters after each wave. Before each wave it re-reads the job: once the job is cancelled or the
 * deadline has passed it starts no more devices and settles the rest. Safe to re-run: finished devices are skipped.
 */
export async function runShard(
  deps: JobExecutionDependencies,
  command: RunShardCommand,
): Promise<ShardRunResult> {
  const { job } = await loadJob(deps.jobs, command.jobId);
  const rows = new Map(
    (await deps.deviceJobs.listShard(job.jobId, command.shard)).map((row) => [row.deviceId, row]),
  );
  const counters = () => countDeviceStatuses([...rows.values()].map((row) => row.status));
  const save = async (changed: DeviceJobRecord[]) => {
    for (const row of changed) rows.set(row.deviceId, row);
    for (const batch of chunk(changed, RESULT_BATCH)) await deps.deviceJobs.upsertMany(batch);
    await deps.jobs.writeShardCounters(job.jobId, command.shard, counters());
  };
  const unfinished = [...rows.values()].filter((row) => !isTerminalDeviceJobStatus(row.status));

  for (const wave of chunk(unfinished, Math.max(1, command.devicesInFlight))) {
    const stopReason = await shouldStop(deps, job.jobId, command.deadline);
    if (stopReason) {
      const remaining = [...rows.values()].filter((row) => !isTerminalDeviceJobStatus(row.status));
      await save(
        settle(
          remaining,
          stopReason === 'cancelled' ? 'canceled' : 'failed',
          deps.clock.now(),
          deadlineError(job),
        ),
      );
      return { shard: command.shard, counters: counters(), stoppedBy: stopReason };
    }
    const startedAt = deps.clock.now().toISOString();
    await save(
      wave.map((row) => ({
        ...row,
        status: 'running',
        startTimeUtc: startedAt,
        lastUpdatedDateTimeUtc: startedAt,
      })),
    );
    const results = await Promise.all(
      wave.map(async (row) => ({ row, result: await runDevice(deps.gateway, job, row.deviceId) })),
    );
    const endedAt = deps.clock.now().toISOString();
    await save(
      results.map(({ row, result }) => finish({ ...row, startTimeUtc: startedAt }, result, endedAt)),
    );
  }
  return { shard: command.shard, counters: counters() };
}

async function shouldStop(
  deps: JobExecutionDependencies,
  jobId: string,
  deadline: string,
): Promise<ShardStopReason | undefined> {
  const { job } = await loadJob(deps.jobs, jobId);
  if (job.status === 'cancelled') return 'cancelled';
  if (isPastDeadline(deps.clock.now(), deadline)) return 'deadline';
  return undefined;
}

async function runDevice(gateway: JobDeviceGateway, job: JobRecord, deviceId: string): Promise<DeviceResult> {
  try {
    if (job.cloudToDeviceMethod)
      return methodResult(await gateway.invokeMethod(deviceId, job.cloudToDeviceMethod));
    if (job.updateTwin) {
      await gateway.applyTwinPatch(deviceId, job.updateTwin);
      return twinResult();
    }
    return errorResult(new Error('The job has neither a method nor a twin patch.'));
  } catch (error: unknown) {
    return errorResult(error);
  }
}

function finish(row: DeviceJobRecord, result: DeviceResult, endedAt: string): DeviceJobRecord {
  const next: DeviceJobRecord = {
    ...row,
    status: result.status,
    endTimeUtc: endedAt,
    lastUpdatedDateTimeUtc: endedAt,
  };
  delete next.outcome;
  delete next.error;
  if (result.outcome) next.outcome = result.outcome;
  if (result.error) next.error = result.error;
  return next;
}

function deadlineError(job: JobRecord) {
  return {
    code: DEVICE_ERROR_CODES.deadlineExceeded,
    description: `The job's maxExecutionTimeInSeconds (${job.maxExecutionTimeInSeconds} s) elapsed before this device ran.`,
  };
}

function settle(
  rows: DeviceJobRecord[],
  status: Extract<DeviceJobStatus, 'canceled' | 'failed'>,
  now: Date,
  error: { code: string; description: string },
): DeviceJobRecord[] {
  const at = now.toISOString();
  return rows.map((row) => {
    const next: DeviceJobRecord = { ...row, status, endTimeUtc: at, lastUpdatedDateTimeUtc: at };
    if (status === 'failed') next.error = error;
    return next;
  });
}

/**
 * Ends a job: settles devices that never finished (`canceled` on cancel, `failed` otherwise), then moves the job
 * to its final status with its end time. A job already ended (e.g. cancelled on request) keeps its status and
 * only gains its end time. Idempotent.
 */
export async function finalizeJob(
  deps: Omit<JobExecutionDependencies, 'gateway'>,
  command: FinalizeJobCommand,
): Promise<JobRecord> {
  const { job } = await loadJob(deps.jobs, command.jobId);
  const code = command.deviceErrorCode ?? DEVICE_ERROR_CODES.jobFailed;
  const error = {
    code,
    description:
      code === DEVICE_ERROR_CODES.deadlineExceeded
        ? deadlineError(job).description
        : (command.failureReason ?? 'The job failed.'),
  };
  const spans: DeviceCallSpan[] = [];
  for (let shard = 0; shard < command.shardCount; shard += 1) {
    const rows = await deps.deviceJobs.listShard(job.jobId, shard);
    for (const row of rows) {
      const span = isTerminalDeviceJobStatus(row.status) ? callSpanOf(row) : undefined;
      if (span) spans.push(span);
    }
    const open = rows.filter((row) => !isTerminalDeviceJobStatus(row.status));
    if (open.length === 0) continue;
    const settled = settle(
      open,
      command.outcome === 'cancelled' ? 'canceled' : 'failed',
      deps.clock.now(),
      error,
    );
    for (const batch of chunk(settled, RESULT_BATCH)) await deps.deviceJobs.upsertMany(batch);
    const byId = new Map(rows.map((row) => [row.deviceId, row]));
    for (const row of settled) byId.set(row.deviceId, row);
    await deps.jobs.writeShardCounters(
      job.jobId,
      shard,
      countDeviceStatuses([...byId.values()].map((r) => r.status)),
    );
  }
  const endTime = deps.clock.now().toISOString();
  const ended = await updateJob(deps.jobs, job.jobId, (current) => {
    if (isTerminalJobStatus(current.status)) {
      return current.endTime ? undefined : { ...current, endTime };
    }
    assertTransition(current.status, command.outcome);
    const next: JobRecord = {
      ...current,
      status: command.outcome,
      endTime,
      statusMessage: statusMessageFor(command.outcome),
    };
    if (command.failureReason !== undefined) next.failureReason = command.failureReason;
    return next;
  });
  const observation = ended.endTime === endTime ? observationOf(ended, spans, endTime) : undefined;
  if (observation) await deps.observations?.record(ended.type, observation);
  return ended;
}

function statusMessageFor(outcome: JobOutcome): string {
  if (outcome === 'completed') return 'Completed.';
  if (outcome === 'cancelled') return 'Cancelled.';
  return 'Failed.';
}
