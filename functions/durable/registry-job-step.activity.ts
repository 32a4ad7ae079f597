import * as df from 'durable-functions';
import { appComposition } from '../app-composition';
import { runRegistryJobStep } from '../../shared/registry-jobs/registry-job-steps';
import { requireObject, requireString } from './job-activity-input';
import { REGISTRY_JOB_STEP_ACTIVITY, type RegistryJobStepInput } from './registry-job-function-names';

function parseInput(raw: unknown): RegistryJobStepInput {
  const input = requireObject(REGISTRY_JOB_STEP_ACTIVITY, raw);
  const parsed: RegistryJobStepInput = { jobId: requireString(REGISTRY_JOB_STEP_ACTIVITY, input, 'jobId') };
  if (typeof input.failureReason === 'string') parsed.failureReason = input.failureReason;
  return parsed;
}

df.app.activity(REGISTRY_JOB_STEP_ACTIVITY, {
  handler: async (raw: unknown) => {
    const input = parseInput(raw);
    const steps = await appComposition().registryJobSteps();
    return runRegistryJobStep(steps.dependencies, input.jobId, steps.until(), input.failureReason);
  },
});
