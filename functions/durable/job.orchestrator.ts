import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler, Task } from 'durable-functions';
import { DEVICE_ERROR_CODES } from '../../shared/jobs/device-outcome';
import { computeDeadline, isPastDeadline } from '../../shared/jobs/execution-plan';
import { type JobOutcome, type RunCursor, START_CURSOR } from '../../shared/jobs/job-execution';
import type { FinalizeJobCommand } from '../../shared/jobs/job-finalize';
import type { ActivityRetrySettings } from '../../shared/jobs/job-settings';
import type { JobOrchestrationInput } from '../../shared/jobs/ports';
import type { JobActivityInput, JobActivityName, JobActivityOutput } from './job-activities';
import {
  JOB_CANCEL_EVENT,
  JOB_COMPLETION_EVENT,
  JOB_ORCHESTRATOR_NAME,
  JOB_ORCHESTRATOR_V2_NAME,
  JOB_ORCHESTRATOR_V3_NAME,
  JOB_RESUME_EVENT,
} from './job-function-names';

/** What the orchestration returns when it ends. */
export interface JobOrchestrationOutput {
  jobId: string;
  outcome: JobOutcome;
  /** Activity calls that ran devices (each ends within the activity time budget). */
  runSteps: number;
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

type ActivityCall = <K extends JobActivityName>(
  name: K,
  input: JobActivityInput<K>,
) => Generator<Task, JobActivityOutput<K>, unknown>;

/** Calls an activity of the typed map with the job's retry policy; the one place a yielded result is typed. */
function activityCaller(context: OrchestrationContext, retry: df.RetryOptions): ActivityCall {
  return function* call(name, input) {
    return (yield context.df.callActivityWithRetry(name, retry, input)) as JobActivityOutput<typeof name>;
  };
}

/** How a wait of the orchestration ended. */
type WaitEnd = 'resumed' | 'cancelled' | 'deadline';

/**
 * Waits for `resume`, raced against `cancel` and a durable timer at the deadline: no activity runs meanwhile. The
 * timer is cancelled when an event wins. (An abandoned event wait never takes a later event: the SDK hands an
 * event to the newest open wait of its name.)
 */
function* waitWhilePaused(
  context: OrchestrationContext,
  deadline: string,
): Generator<Task, WaitEnd, unknown> {
  const resume = context.df.waitForExternalEvent(JOB_RESUME_EVENT);
  const cancel = context.df.waitForExternalEvent(JOB_CANCEL_EVENT);
  const timer = context.df.createTimer(new Date(deadline));
  const winner: unknown = yield context.df.Task.any([resume, cancel, timer]);
  if (winner === timer) return 'deadline';
  timer.cancel();
  return winner === cancel ? 'cancelled' : 'resumed';
}

/** How the wait for the devices' completion conditions ended. */
type SettleEnd = { kind: 'settled' | 'cancelled' | 'deadline' } | { kind: 'aborted'; reason: string };

/**
 * Settles the devices waiting for the job's completion condition: a settle step, then a wait for a wake event
 * (a device met its condition), the next due wait, `cancel` or the deadline, until none is left. History grows
 * by one step per wake, not per device (one wake is raised per settle step however many devices met).
 */
function* settleWaits(
  context: OrchestrationContext,
  call: ActivityCall,
  jobId: string,
  deadline: string,
  cursor: RunCursor,
): Generator<Task, SettleEnd, unknown> {
  let executed = cursor.executed;
  for (;;) {
    const settled = yield* call('jobSettleCompletions', { jobId, ...(executed ? { executed } : {}) });
    executed = settled.executed;
    cursor.executed = executed;
    if (settled.abortReason !== undefined) return { kind: 'aborted', reason: settled.abortReason };
    if (!settled.remaining) return { kind: 'settled' };
    if (isPastDeadline(context.df.currentUtcDateTime, deadline)) return { kind: 'deadline' };
    const wakeAt = settled.wakeAt !== undefined && settled.wakeAt < deadline ? settled.wakeAt : deadline;
    const wake = context.df.waitForExternalEvent(JOB_COMPLETION_EVENT);
    const cancel = context.df.waitForExternalEvent(JOB_CANCEL_EVENT);
    const timer = context.df.createTimer(new Date(wakeAt));
    const winner: unknown = yield context.df.Task.any([wake, cancel, timer]);
    if (winner !== timer) timer.cancel();
    if (winner === cancel) return { kind: 'cancelled' };
  }
}

/** What distinguishes the registered versions of the orchestrator. */
interface OrchestratorVersion {
  /**
   * v3: a paused job's step returns at once and the orchestration waits for `resume` (no activity while paused).
   * v2 never yields that wait: its steps are not told to return on a pause, so its history is unchanged.
   */
  waitsOutPauses: boolean;
  /**
   * v4: after the run of a job with a `completionCondition`, settles its waiting devices in steps
   * (`jobSettleCompletions`), waiting between steps for a wake event, the next due wait, cancel or the deadline.
   */
  settlesCompletionWaits?: boolean;
}

/**
 * One job, start to end: wait for the start time (a cancel interrupts the wait at once), mark it running, then
 * run it in time-bounded steps (`jobRunDevices`: targets resolved a shard ahead, devices through a sliding
 * window) until every device ended or the job stopped, then finalize (also in steps). A paused job waits between
 * steps for `resume`, `cancel` or its deadline, whichever comes first. History holds one small cursor per step,
 * never device ids. Deterministic: time comes from `currentUtcDateTime`.
 */
export function jobOrchestrator(version: OrchestratorVersion) {
  return function* runJob(context: OrchestrationContext): Generator<Task, JobOrchestrationOutput, unknown> {
    const input = context.df.getInput<JobOrchestrationInput>();
    const { jobId, settings } = input;
    const call = activityCaller(context, retryOptions(settings.activityRetry));
    let runSteps = 0;

    function* finalize(
      command: Omit<FinalizeJobCommand, 'jobId' | 'shardSize'>,
    ): Generator<Task, JobOrchestrationOutput, unknown> {
      let step: Omit<FinalizeJobCommand, 'jobId' | 'shardSize'> = command;
      for (;;) {
        const result = yield* call('jobFinalize', { jobId, shardSize: settings.shardSize, ...step });
        if (result.done) break;
        if (result.cursor) step = { ...step, cursor: result.cursor };
      }
      const output: JobOrchestrationOutput = { jobId, outcome: command.outcome, runSteps };
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
        return yield* finalize({ outcome: 'cancelled' });
      }
    }

    let cursor: RunCursor = START_CURSOR;
    try {
      const runStartedTime = context.df.currentUtcDateTime.toISOString();
      const running = yield* call('jobMarkRunning', { jobId, runStartedTime });
      if (!running.proceed) return yield* finalize({ outcome: 'cancelled' });

      const deadline = computeDeadline(runStartedTime, input.maxExecutionTimeInSeconds);
      const deadlineStop = {
        outcome: 'failed' as const,
        deviceErrorCode: DEVICE_ERROR_CODES.deadlineExceeded,
        failureReason: `maxExecutionTimeInSeconds (${input.maxExecutionTimeInSeconds} s) elapsed before every device was processed.`,
      };
      for (;;) {
        if (isPastDeadline(context.df.currentUtcDateTime, deadline))
          return yield* finalize({ ...deadlineStop, cursor });
        const step = yield* call('jobRunDevices', {
          jobId,
          deadline,
          maxDevicesInFlight: settings.maxDevicesInFlight,
          shardSize: settings.shardSize,
          cursor,
          ...(version.waitsOutPauses ? { pausable: true } : {}),
        });
        runSteps += 1;
        cursor = step.cursor;
        if (step.stoppedBy === 'paused') {
          const end = yield* waitWhilePaused(context, deadline);
          if (end === 'cancelled') return yield* finalize({ outcome: 'cancelled', cursor });
          if (end === 'deadline') return yield* finalize({ ...deadlineStop, cursor });
          continue;
        }
        if (step.stoppedBy === 'cancelled') return yield* finalize({ outcome: 'cancelled', cursor });
        if (step.stoppedBy === 'deadline') return yield* finalize({ ...deadlineStop, cursor });
        if (step.stoppedBy === 'aborted') {
          return yield* finalize({
            outcome: 'failed',
            cursor,
            failureReason: step.abortReason ?? 'The job was aborted.',
            settleAs: 'canceled',
          });
        }
        if (step.done && version.settlesCompletionWaits && cursor.completionWaits) {
          const end = yield* settleWaits(context, call, jobId, deadline, cursor);
          if (end.kind === 'cancelled') return yield* finalize({ outcome: 'cancelled', cursor });
          if (end.kind === 'deadline') return yield* finalize({ ...deadlineStop, cursor });
          if (end.kind === 'aborted') {
            return yield* finalize({
              outcome: 'failed',
              cursor,
              failureReason: end.reason,
              settleAs: 'canceled',
            });
          }
        }
        if (step.done) return yield* finalize({ outcome: 'completed', cursor });
      }
    } catch (error: unknown) {
      // Targets not yet resolved stay unresolved: the failure may be the resolution itself.
      const resolved: RunCursor = { ...cursor, targets: { done: true } };
      return yield* finalize({ outcome: 'failed', cursor: resolved, failureReason: describeFailure(error) });
    }
  };
}

const current: OrchestrationHandler = jobOrchestrator({ waitsOutPauses: true, settlesCompletionWaits: true });
df.app.orchestration(JOB_ORCHESTRATOR_NAME, current);
// Instances started before an upgrade replay under their own name, with exactly the yields they were started with.
const v3: OrchestrationHandler = jobOrchestrator({ waitsOutPauses: true });
df.app.orchestration(JOB_ORCHESTRATOR_V3_NAME, v3);
const v2: OrchestrationHandler = jobOrchestrator({ waitsOutPauses: false });
df.app.orchestration(JOB_ORCHESTRATOR_V2_NAME, v2);
