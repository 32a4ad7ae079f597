/**
 * The job orchestrator's name. It carries a version: changing the order of its yields breaks in-flight
 * instances, so a changed orchestrator gets a new name. (Activity names are the keys of `JobActivities`.)
 */
export const JOB_ORCHESTRATOR_NAME = 'jobOrchestrator_v2';

/** External event that cancels a job's orchestration (raised by the cancel use case). */
export const JOB_CANCEL_EVENT = 'cancel';
