import { type JobControlBody, JobControlBodySchema } from '../../schemas/job-control.schema';
import { type JobEventsDependencies } from '../engine/job-event-publisher';
import { JobNotPausedError, JobNotRunningError } from '../core/job-errors';
import { parseJobField } from '../core/rollout-config';
import { updateJob } from '../engine/job-execution';
import { pausedStatusMessage } from '../core/job-lifecycle';
import type { JobControlAction, JobRecord, JobStatus } from '../core/job-model';
import type { JobOrchestrationClient, JobRepository } from '../core/ports';

/** What pausing and resuming need. */
export interface JobPauseDependencies {
  jobs: JobRepository;
  orchestrations: JobOrchestrationClient;
  events?: JobEventsDependencies;
}

/** A pause or resume request: who asks (the caller's policy name, or `wave:<name>`) and the raw body. */
export interface JobControlCommand {
  jobId: string;
  by: string;
  /** The parsed body: absent, or `{ "reason": "…" }`. */
  body?: unknown;
}

/** The body of `POST /jobs/v2/{jobId}/pause|resume` (see {@link JobControlBodySchema}); anything else is refused. */
export function parseControlBody(body: unknown): JobControlBody {
  return parseJobField(JobControlBodySchema, body, '');
}

function controlAction(action: JobControlAction['action'], by: string, reason: string | undefined, at: Date) {
  const control: JobControlAction = { action, by, time: at.toISOString() };
  if (reason !== undefined) control.reason = reason;
  return control;
}

/** Moves the job from `from` to `to`, recording the control action with its lifecycle event. */
function controlJob(
  deps: JobPauseDependencies,
  command: JobControlCommand & { reason?: string },
  now: Date,
  change: { action: JobControlAction['action']; from: JobStatus; to: JobStatus; statusMessage: string },
  also: (job: JobRecord) => Partial<JobRecord> = () => ({}),
): Promise<JobRecord> {
  return updateJob(
    deps.jobs,
    command.jobId,
    (job) => {
      if (job.status !== change.from) {
        throw change.action === 'pause'
          ? new JobNotRunningError(job.jobId, job.status)
          : new JobNotPausedError(job.jobId, job.status);
      }
      return {
        ...job,
        ...also(job),
        status: change.to,
        statusMessage: change.statusMessage,
        lastControlAction: controlAction(change.action, command.by, command.reason, now),
      };
    },
    { deps: deps.events, at: now.toISOString() },
  );
}

/**
 * Pauses a running job: its row becomes `paused` (with a `JobPaused` event); the running step sees it within its
 * stop-check interval, starts no more devices, lets the calls in flight finish, and the orchestration then waits
 * for `resume` (or cancel, or its deadline) without running anything. 409 `JobNotRunning` otherwise.
 */
export function pauseJob(
  deps: JobPauseDependencies,
  command: JobControlCommand & { reason?: string },
  now: Date,
): Promise<JobRecord> {
  const statusMessage = pausedStatusMessage(command.reason);
  return controlJob(deps, command, now, { action: 'pause', from: 'running', to: 'paused', statusMessage });
}

/**
 * The job's total paused time once the current pause ends at `now`: the pause began at the last control action
 * (an operator's pause or a wave gate's), or, without one, counts as nothing.
 */
export function pausedMsAfterResume(job: JobRecord, now: Date): number {
  const before = job.pausedMs ?? 0;
  const pause = job.lastControlAction;
  if (pause?.action !== 'pause') return before;
  return before + Math.max(0, now.getTime() - Date.parse(pause.time));
}

/** Resumes a paused job (the approval of a gated wave): `running` again, a `JobResumed` event, the orchestration woken. */
export async function resumeJob(
  deps: JobPauseDependencies,
  command: JobControlCommand & { reason?: string },
  now: Date,
): Promise<JobRecord> {
  const statusMessage = 'Running.';
  const resumed = await controlJob(
    deps,
    command,
    now,
    { action: 'resume', from: 'paused', to: 'running', statusMessage },
    (job) => ({ pausedMs: pausedMsAfterResume(job, now) }),
  );
  await deps.orchestrations.raiseResume(command.jobId);
  return resumed;
}
