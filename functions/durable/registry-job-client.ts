import * as df from 'durable-functions';
import type { InvocationContext } from '@azure/functions';
import type { RegistryJobRunner } from '../../shared/registry-jobs/registry-jobs-service';
import { REGISTRY_JOB_ORCHESTRATOR_NAME, registryJobInstanceId } from './registry-job-function-names';

/** Starts import/export job orchestrations through the durable client of one invocation. */
export function registryJobRunner(context: InvocationContext): RegistryJobRunner {
  const client = df.getClient(context);
  return {
    async start(jobId) {
      await client.startNew(REGISTRY_JOB_ORCHESTRATOR_NAME, {
        instanceId: registryJobInstanceId(jobId),
        input: { jobId },
      });
    },
    async purge(jobId) {
      await client.purgeInstanceHistory(registryJobInstanceId(jobId));
    },
  };
}
