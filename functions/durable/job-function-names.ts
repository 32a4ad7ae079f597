/**
 * The job orchestrator's name. It carries a version: changing the order of its yields breaks in-flight
 * instances, so a changed orchestrator gets a new name. (Activity names are the keys of `JobActivities`.)
 */
export const JOB_ORCHESTRATOR_NAME = 'jobOrchestrator_v4';

/**
 * Earlier versions, still registered so that instances started before an upgrade finish under them. v4 is the
 * version this round's rollout and completion features extend (each behind a flag of `OrchestratorVersion` that
 * only v4 sets), so that v3 histories replay with exactly their old yields.
 */
export const JOB_ORCHESTRATOR_V3_NAME = 'jobOrchestrator_v3';
export const JOB_ORCHESTRATOR_V2_NAME = 'jobOrchestrator_v2';

/** External event that cancels a job's orchestration (raised by the cancel use case). */
export const JOB_CANCEL_EVENT = 'cancel';

/** External event that wakes a paused job's orchestration (raised by the resume use case). */
export const JOB_RESUME_EVENT = 'resume';

/** External event that wakes a continuous job's orchestration when devices joined it (raised from the join queue). */
export const JOB_JOIN_EVENT = 'join';

/**
 * External event that wakes a job whose devices wait for its completion condition (raised by the
 * `completionSignal` queue function when a twin writer marked a waiting device met).
 */
export const JOB_COMPLETION_EVENT = 'completionSignal';

/**
 * The orchestrator that is the durable timer of one job schedule: it fires the schedule's occurrence when due,
 * sleeps until the next one (or until woken by a change) and continues as new. Versioned like the job's.
 */
export const SCHEDULE_TIMER_ORCHESTRATOR_NAME = 'jobScheduleTimer_v1';

/** The activity one step of a schedule's timer runs (fires when due, answers when to look again). */
export const SCHEDULE_TIMER_ACTIVITY_NAME = 'jobScheduleTimerStep_v1';

/** External event that makes a schedule's timer read the schedule again (raised after a PUT or DELETE). */
export const SCHEDULE_CHANGED_EVENT = 'scheduleChanged';

/**
 * The instance id of a schedule's timer. `@` is in no job id (A-Z a-z 0-9 - . _ ~), so it cannot meet a job's
 * orchestration, whose instance id is the job id.
 */
export function scheduleTimerInstanceId(scheduleId: string): string {
  return `jobschedule@${scheduleId}`;
}
