import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler, Task } from 'durable-functions';
import { DEVICE_ERROR_CODES } from '../../shared/jobs/core/device-outcome';
import { computeDeadline, isPastDeadline } from '../../shared/jobs/core/execution-plan';
import { type JobOutcome, type RunCursor, START_CURSOR } from '../../shared/jobs/core/run-cursor';
import type { FinalizeJobCommand } from '../../shared/jobs/engine/job-finalize';
import type { ActivityRetrySettings } from '../../shared/jobs/core/job-settings';
import type { JobOrchestrationInput } from '../../shared/jobs/core/ports';
import type { JobActivityInput, JobActivityName, JobActivityOutput } from './job-activities';
import {
  JOB_CANCEL_EVENT,
  JOB_JOIN_EVENT,
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

/** How a wait of the orchestration ended (`woken`: its wake-up time before the deadline came). */
type WaitEnd = 'resumed' | 'cancelled' | 'deadline' | 'woken';

/**
 * Waits for `resume`, raced against `cancel` and a durable timer at the deadline (or at `wakeAt`, when that is
 * earlier: a maintenance window opening): no activity runs meanwhile. The timer is cancelled when an event wins.
 * (An abandoned event wait never takes a later event: the SDK hands an event to the newest open wait of its name.)
 */
function* waitWhilePaused(
  context: OrchestrationContext,
  deadline: string,
  wakeAt?: string,
): Generator<Task, WaitEnd, unknown> {
  const woken = wakeAt !== undefined && Date.parse(wakeAt) < Date.parse(deadline);
  const resume = context.df.waitForExternalEvent(JOB_RESUME_EVENT);
  const cancel = context.df.waitForExternalEvent(JOB_CANCEL_EVENT);
  const timer = context.df.createTimer(new Date(woken ? wakeAt : deadline));
  const winner: unknown = yield context.df.Task.any([resume, cancel, timer]);
  if (winner === timer) return woken ? 'woken' : 'deadline';
  timer.cancel();
  return winner === cancel ? 'cancelled' : 'resumed';
}

/**
 * A continuous job whose devices have all ended waits for more to join: `join` (raised when devices joined),
 * raced against `resume` (taken so it never wakes a later pause wait), `cancel` and the deadline. No activity runs.
 */
function* waitForJoins(
  context: OrchestrationContext,
  deadline: string,
): Generator<Task, WaitEnd | 'joined', unknown> {
  const join = context.df.waitForExternalEvent(JOB_JOIN_EVENT);
  const resume = context.df.waitForExternalEvent(JOB_RESUME_EVENT);
  const cancel = context.df.waitForExternalEvent(JOB_CANCEL_EVENT);
  const timer = context.df.createTimer(new Date(deadline));
  const winner: unknown = yield context.df.Task.any([join, resume, cancel, timer]);
  if (winner === timer) return 'deadline';
  timer.cancel();
  if (winner === cancel) return 'cancelled';
  return winner === join ? 'joined' : 'resumed';
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
    // Paused: no wait times out, so nothing falls due before the resume (or a device meeting its condition).
    const wakeAt =
      !settled.paused && settled.wakeAt !== undefined && settled.wakeAt < deadline
        ? settled.wakeAt
        : deadline;
    const wake = context.df.waitForExternalEvent(JOB_COMPLETION_EVENT);
    const cancel = context.df.waitForExternalEvent(JOB_CANCEL_EVENT);
    const timer = context.df.createTimer(new Date(wakeAt));
    const waits = [wake, cancel, timer];
    if (settled.paused) waits.push(context.df.waitForExternalEvent(JOB_RESUME_EVENT));
    const winner: unknown = yield context.df.Task.any(waits);
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
   * v4: outside its maintenance windows a step returns at once and the orchestration waits on a durable timer for
   * the next window (or resume, cancel, the deadline). Older versions never yield that wait.
   */
  waitsForWindows: boolean;
  /** v4: a continuous job (`input.continuous`) waits for devices to join once its devices ended. */
  joinsContinuously: boolean;
  /**
   * v4: after the run of a job with a `completionCondition`, settles its waiting devices in steps
   * (`jobSettleCompletions`), waiting between steps for a wake event, the next due wait, cancel or the deadline;
   * while the job is paused, for a wake event, `resume`, cancel or the deadline (only v4 settles, so no other
   * version meets that wait).
   */
  settlesCompletionWaits?: boolean;
}

export const WINDOW_END_CANCEL_MESSAGE =
  'Cancelled: the maintenance window ended before every device ran (endBehavior: cancel).';

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
      const continuous = version.joinsContinuously && input.continuous === true;
      // A continuous job's end time is its normal end: it completes there (devices not yet run fail).
      const deadlineStop: Omit<FinalizeJobCommand, 'jobId' | 'shardSize'> = continuous
        ? {
            outcome: 'completed',
            deviceErrorCode: DEVICE_ERROR_CODES.deadlineExceeded,
            statusMessage: `Completed: a continuous job ends at its maxExecutionTimeInSeconds (${input.maxExecutionTimeInSeconds} s).`,
          }
        : {
            outcome: 'failed',
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
          ...(version.waitsForWindows ? { windowAware: true } : {}),
        });
        runSteps += 1;
        cursor = step.cursor;
        if (step.stoppedBy === 'paused') {
          const end = yield* waitWhilePaused(context, deadline);
          if (end === 'cancelled') return yield* finalize({ outcome: 'cancelled', cursor });
          if (end === 'deadline') return yield* finalize({ ...deadlineStop, cursor });
          continue;
        }
        if (step.stoppedBy === 'maintenanceWindow') {
          // Resumed during the wait (a pause while waiting): the next step checks the window again.
          const end = yield* waitWhilePaused(context, deadline, step.nextWindowStart);
          if (end === 'cancelled') return yield* finalize({ outcome: 'cancelled', cursor });
          if (end === 'deadline') return yield* finalize({ ...deadlineStop, cursor });
          continue;
        }
        if (step.stoppedBy === 'maintenanceWindowEnded') {
          return yield* finalize({ outcome: 'cancelled', cursor, statusMessage: WINDOW_END_CANCEL_MESSAGE });
        }
        if (step.stoppedBy === 'cancelled') return yield* finalize({ outcome: 'cancelled', cursor });
        if (step.stoppedBy === 'deadline') return yield* finalize({ ...deadlineStop, cursor });
        if (step.stoppedBy === 'aborted') {
          return yield* finalize({
            outcome: 'failed',
            cursor,
            failureReason: step.abortReason ?? 'The job was aborted.',
            settleAs: 'canceled',
            // An input of the same call, not a new yield: every version passes it on.
            ...(step.abortAction === 'rollback' ? { rollBack: true as const } : {}),
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
        if (step.done && continuous) {
          const end = yield* waitForJoins(context, deadline);
          if (end === 'cancelled') return yield* finalize({ outcome: 'cancelled', cursor });
          if (end === 'deadline') return yield* finalize({ ...deadlineStop, cursor });
          continue;
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

const current: OrchestrationHandler = jobOrchestrator({
  waitsOutPauses: true,
  waitsForWindows: true,
  joinsContinuously: true,
  settlesCompletionWaits: true,
});
df.app.orchestration(JOB_ORCHESTRATOR_NAME, current);
// Instances started before an upgrade replay under their own name, with exactly the yields they were started with.
const v3: OrchestrationHandler = jobOrchestrator({
  waitsOutPauses: true,
  waitsForWindows: false,
  joinsContinuously: false,
});
df.app.orchestration(JOB_ORCHESTRATOR_V3_NAME, v3);
const v2: OrchestrationHandler = jobOrchestrator({
  waitsOutPauses: false,
  waitsForWindows: false,
  joinsContinuously: false,
});
df.app.orchestration(JOB_ORCHESTRATOR_V2_NAME, v2);
