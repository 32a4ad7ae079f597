import { JobStateTransitionError } from './job-errors';
import type { JobStatus } from './job-model';

const TRANSITIONS: Record<JobStatus, readonly JobStatus[]> = {
  queued: ['scheduled', 'running', 'failed', 'cancelled'],
  scheduled: ['running', 'failed', 'cancelled'],
  running: ['paused', 'completed', 'failed', 'cancelled'],
  // A paused job resumes, or ends: cancelled, failed at its deadline, or completed when its last devices (in flight
  // at the pause) were the last ones.
  paused: ['running', 'completed', 'failed', 'cancelled'],
  completed: [],
  failed: [],
  cancelled: [],
};

export function isTerminalJobStatus(status: JobStatus): boolean {
  return TRANSITIONS[status].length === 0;
}

export function canTransition(from: JobStatus, to: JobStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Throws {@link JobStateTransitionError} unless the lifecycle allows `from` → `to`. */
export function assertTransition(from: JobStatus, to: JobStatus): void {
  if (!canTransition(from, to)) throw new JobStateTransitionError(from, to);
}

/** A job that has not started running yet (its orchestration waits for the start time). */
export function isWaitingToStart(status: JobStatus): boolean {
  return status === 'queued' || status === 'scheduled';
}

/** The status of a job when it is created: `scheduled` if it starts in the future, else `queued`. */
export function initialJobStatus(startTime: string, now: Date): JobStatus {
  return Date.parse(startTime) > now.getTime() ? 'scheduled' : 'queued';
}

/** `Paused: <reason>` (a wave's reason reads `wave canary: 8 of 10 succeeded (80% < 90%).`). */
export function pausedStatusMessage(reason: string | undefined): string {
  return reason === undefined ? 'Paused on request.' : `Paused: ${reason}`;
}
