import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler, Task } from 'durable-functions';
import { DEVICE_ERROR_CODES } from '../../shared/jobs/device-outcome';
import { chunk, computeDeadline, isPastDeadline } from '../../shared/jobs/execution-plan';
import type {
  FinalizeJobCommand,
  JobOutcome,
  MarkRunningResult,
  ResolveTargetsResult,
  RunShardCommand,
  ShardRunResult,
  ShardStopReason,
} from '../../shared/jobs/job-execution';
import type { ActivityRetrySettings } from '../../shared/jobs/job-settings';
import type { JobOrchestrationInput } from '../../shared/jobs/ports';
import { JOB_CANCEL_EVENT, JOB_FUNCTION_NAMES } from './job-function-names';

/** What the orchestration returns when it ends. */
export interface JobOrchestrationOutput {
  jobId: string;
  outcome: JobOutcome;
  shardCount: number;
  failureReason?: string;
}

function retryOptions(settings: ActivityRetrySettings): df.RetryOptions {
  const options = new df.RetryOptions(settings.firstRetryIntervalMs, settings.maxNumberOfAttempts);
  options.backoffCoefficient = settings.backoffCoefficient;
  options.maxRetryIntervalInMilliseconds = settings.maxRetryIntervalMs;
  return options;
}

function describeFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return `An activity failed after its retries: ${message.split('\n')[0]?.trim() ?? message}`;
}

/**
 * One job, start to end: wait for the start time (a cancel interrupts the wait at once), mark it running, resolve
 * its targets into shards, run the shards in waves of `shardsInFlight`, then finalize. History holds shard
 * descriptors and counters only, never device ids. Deterministic: time comes from `currentUtcDateTime`.
 */
export function* jobOrchestrator(
  context: OrchestrationContext,
): Generator<Task, JobOrchestrationOutput, unknown> {
  const input = context.df.getInput<JobOrchestrationInput>();
  const { jobId, settings } = input;
  const retry = retryOptions(settings.activityRetry);
  const call = (name: string, payload: unknown) => context.df.callActivityWithRetry(name, retry, payload);

  function* finalize(
    command: Omit<FinalizeJobCommand, 'jobId'>,
  ): Generator<Task, JobOrchestrationOutput, unknown> {
    yield call(JOB_FUNCTION_NAMES.finalize, { jobId, ...command } satisfies FinalizeJobCommand);
    const output: JobOrchestrationOutput = {
      jobId,
      outcome: command.outcome,
      shardCount: command.shardCount,
    };
    if (command.failureReason !== undefined) output.failureReason = command.failureReason;
    return output;
  }

  const startAt = new Date(input.startTime);
  if (startAt.getTime() > context.df.currentUtcDateTime.getTime()) {
    const timer = context.df.createTimer(startAt);
    const cancel = context.df.waitForExternalEvent(JOB_CANCEL_EVENT);
    const winner: unknown = yield context.df.Task.any([timer, cancel]);
    if (winner === cancel) {
      timer.cancel();
      return yield* finalize({ outcome: 'cancelled', shardCount: 0 });
    }
  }

  let shardCount = 0;
  let runningWave: Task[] = [];
  try {
    const runStartedTime = context.df.currentUtcDateTime.toISOString();
    const running = (yield call(JOB_FUNCTION_NAMES.markRunning, {
      jobId,
      runStartedTime,
    })) as MarkRunningResult;
    if (!running.proceed) return yield* finalize({ outcome: 'cancelled', shardCount: 0 });

    const deadline = computeDeadline(runStartedTime, input.maxExecutionTimeInSeconds);
    const resolved = (yield call(JOB_FUNCTION_NAMES.resolveTargets, {
      jobId,
      shardSize: settings.shardSize,
    })) as ResolveTargetsResult;
    shardCount = resolved.shards.length;

    let stoppedBy: ShardStopReason | undefined;
    for (const wave of chunk(resolved.shards, settings.shardsInFlight)) {
      if (isPastDeadline(context.df.currentUtcDateTime, deadline)) {
        stoppedBy = 'deadline';
        break;
      }
      const tasks = wave.map(({ shard }) =>
        call(JOB_FUNCTION_NAMES.runShard, {
          jobId,
          shard,
          deadline,
          devicesInFlight: settings.devicesInFlightPerShard,
        } satisfies RunShardCommand),
      );
      runningWave = tasks;
      const results = (yield context.df.Task.all(tasks)) as ShardRunResult[];
      const reasons = results.map((result) => result.stoppedBy);
      stoppedBy = reasons.includes('cancelled')
        ? 'cancelled'
        : reasons.includes('deadline')
          ? 'deadline'
          : undefined;
      if (stoppedBy) break;
    }

    if (stoppedBy === 'cancelled') return yield* finalize({ outcome: 'cancelled', shardCount });
    if (stoppedBy === 'deadline') {
      return yield* finalize({
        outcome: 'failed',
        shardCount,
        deviceErrorCode: DEVICE_ERROR_CODES.deadlineExceeded,
        failureReason: `maxExecutionTimeInSeconds (${input.maxExecutionTimeInSeconds} s) elapsed before every device was processed.`,
      });
    }
    return yield* finalize({ outcome: 'completed', shardCount });
  } catch (error: unknown) {
    // A wave fails as soon as one shard does; let its other shards finish before settling their devices.
    for (const task of runningWave) {
      if (task.isCompleted || task.isFaulted) continue;
      try {
        yield task;
      } catch {
        // Already failing the job; this shard's unfinished devices are settled by finalize.
      }
    }
    return yield* finalize({ outcome: 'failed', shardCount, failureReason: describeFailure(error) });
  }
}

const handler: OrchestrationHandler = jobOrchestrator;
df.app.orchestration(JOB_FUNCTION_NAMES.orchestrator, handler);
