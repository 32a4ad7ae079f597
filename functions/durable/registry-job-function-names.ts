/** The import/export job orchestrator; versioned like the job orchestrator (changed yields need a new name). */
export const REGISTRY_JOB_ORCHESTRATOR_NAME = 'registryJobOrchestrator_v1';

/** The activity that moves an import/export job forward for one time-bounded step. */
export const REGISTRY_JOB_STEP_ACTIVITY = 'registryJobStep';

/** Instance ids of import/export jobs, apart from the device jobs' (whose instance id is the job id). */
export const registryJobInstanceId = (jobId: string) => `registryjob-${jobId}`;

/** Input of the orchestration and of each step. */
export interface RegistryJobStepInput {
  jobId: string;
  /** Set when the steps failed after their retries: the step marks the job failed with it. */
  failureReason?: string;
}
