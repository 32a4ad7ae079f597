/**
 * The job orchestrator's name. It carries a version: changing the order of its yields breaks in-flight
 * instances, so a changed orchestrator gets a new name. (Activity names are the keys of `JobActivities`.)
 */
export const JOB_ORCHESTRATOR_NAME = 'jobOrchestrator_v3';

/** The previous version, still registered so that instances started before the upgrade finish under it. */
export const JOB_ORCHESTRATOR_V2_NAME = 'jobOrchestrator_v2';

/** External event that cancels a job's orchestration (raised by the cancel use case). */
export const JOB_CANCEL_EVENT = 'cancel';

/** External event that wakes a paused job's orchestration (raised by the resume use case). */
export const JOB_RESUME_EVENT = 'resume';
