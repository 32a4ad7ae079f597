import * as df from 'durable-functions';
import type { InvocationContext } from '@azure/functions';
import type { JobOrchestrationAdmin, OrchestrationRuntimeStatus } from '../../shared/jobs/job-maintenance';
import type { JobOrchestrationClient, JobOrchestrationInput } from '../../shared/jobs/ports';
import { JOB_CANCEL_EVENT, JOB_ORCHESTRATOR_NAME, JOB_RESUME_EVENT } from './job-function-names';

/** The durable client input every function that starts, signals or inspects job orchestrations declares. */
export const durableClientInput = df.input.durableClient();

/** The durable client's 404s carry no code, only this wording (getStatus, raiseEvent). */
function isMissingInstance(error: unknown): boolean {
  return error instanceof Error && /HTTP 404|No instance with ID/.test(error.message);
}

async function raiseIfPresent(client: df.DurableClient, jobId: string, event: string): Promise<void> {
  try {
    await client.raiseEvent(jobId, event, null);
  } catch (error: unknown) {
    if (!isMissingInstance(error)) throw error;
  }
}

/**
 * The job ports over the durable client of one invocation (`df.getClient(context)`): start and cancel for the
 * HTTP functions, status and purge for the maintenance timers. The instance id is the job id.
 */
export function jobOrchestrations(
  context: InvocationContext,
): JobOrchestrationClient & JobOrchestrationAdmin {
  const client = df.getClient(context);
  return {
    async start(input: JobOrchestrationInput) {
      await client.startNew(JOB_ORCHESTRATOR_NAME, { instanceId: input.jobId, input });
    },
    raiseCancel: (jobId) => raiseIfPresent(client, jobId, JOB_CANCEL_EVENT),
    raiseResume: (jobId) => raiseIfPresent(client, jobId, JOB_RESUME_EVENT),
    async getStatus(jobId) {
      try {
        const status = await client.getStatus(jobId);
        return status.runtimeStatus as OrchestrationRuntimeStatus;
      } catch (error: unknown) {
        if (isMissingInstance(error)) return undefined;
        throw error;
      }
    },
    async purge(jobId) {
      await client.purgeInstanceHistory(jobId);
    },
  };
}
