/**
 * Names of the job orchestration's durable functions, used by registration and calls alike. The orchestrator
 * name carries a version: changing the order of its yields breaks in-flight instances, so a changed
 * orchestrator gets a new name.
 */
export const JOB_FUNCTION_NAMES = {
  orchestrator: 'jobOrchestrator_v1',
  markRunning: 'jobMarkRunning',
  resolveTargets: 'jobResolveTargets',
  runShard: 'jobRunShard',
  finalize: 'jobFinalize',
} as const;

/** External event that cancels a job's orchestration (raised by the cancel use case). */
export const JOB_CANCEL_EVENT = 'cancel';
