import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler, Task } from 'durable-functions';
import type { RegistryJobStepResult } from '../../shared/registry-jobs/registry-job-steps';
import {
  REGISTRY_JOB_ORCHESTRATOR_NAME,
  REGISTRY_JOB_STEP_ACTIVITY,
  type RegistryJobStepInput,
} from './registry-job-function-names';

/** Steps per orchestration generation: history stays bounded however long the job runs (then continue-as-new). */
const STEPS_PER_GENERATION = 50;

function describeFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return `A step failed after its retries: ${message.split('\n')[0]?.trim() ?? message}`;
}

/**
 * One import or export job: time-bounded steps (`registryJobStep`), each recording its cursor in the job row, until
 * the job has ended (completed, failed or cancelled). A step that keeps failing fails the job. History holds one
 * small result per step. Deterministic: no clock, no I/O.
 */
export function* registryJobOrchestrator(
  context: OrchestrationContext,
): Generator<Task, RegistryJobStepResult | undefined, unknown> {
  const input = context.df.getInput<RegistryJobStepInput>();
  const retry = new df.RetryOptions(2_000, 5);
  retry.backoffCoefficient = 2;
  retry.maxRetryIntervalInMilliseconds = 60_000;
  for (let step = 0; step < STEPS_PER_GENERATION; step += 1) {
    let result: RegistryJobStepResult;
    try {
      result = (yield context.df.callActivityWithRetry(REGISTRY_JOB_STEP_ACTIVITY, retry, {
        jobId: input.jobId,
      })) as RegistryJobStepResult;
    } catch (error: unknown) {
      const failed: RegistryJobStepInput = { jobId: input.jobId, failureReason: describeFailure(error) };
      return (yield context.df.callActivityWithRetry(
        REGISTRY_JOB_STEP_ACTIVITY,
        retry,
        failed,
      )) as RegistryJobStepResult;
    }
    if (result.done) return result;
  }
  context.df.continueAsNew(input);
  return undefined;
}

const handler: OrchestrationHandler = registryJobOrchestrator;
df.app.orchestration(REGISTRY_JOB_ORCHESTRATOR_NAME, handler);
