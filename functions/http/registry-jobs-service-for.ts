import * as df from 'durable-functions';
import type { InvocationContext } from '@azure/functions';
import { composition } from '../../shared/composition';
import type { RightsRequirement } from '../../shared/http';
import type { RegistryJobsService } from '../../shared/registry-jobs/registry-jobs-service';
import {
  REGISTRY_JOB_ORCHESTRATOR_NAME,
  registryJobInstanceId,
} from '../durable/registry-job-function-names';

/** Rights of import/export jobs, as IoT Hub: reading is a registry read, creating and cancelling a registry write. */
export const REGISTRY_JOB_RIGHTS = {
  read: { anyOf: ['RegistryRead', 'RegistryWrite'] },
  write: { allOf: ['RegistryWrite'] },
} as const satisfies Record<string, RightsRequirement>;

/** The use cases, starting orchestrations through this invocation's durable client when it has one. */
export function registryJobsFor(context?: InvocationContext): Promise<RegistryJobsService> {
  if (!context) return composition.registryJobs();
  const client = df.getClient(context);
  return composition.registryJobs({
    async start(jobId) {
      await client.startNew(REGISTRY_JOB_ORCHESTRATOR_NAME, {
        instanceId: registryJobInstanceId(jobId),
        input: { jobId },
      });
    },
    async purge(jobId) {
      await client.purgeInstanceHistory(registryJobInstanceId(jobId));
    },
  });
}
