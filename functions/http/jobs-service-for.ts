import type { InvocationContext } from '@azure/functions';
import type { Composition } from '../../shared/composition';
import type { JobsService } from '../../shared/jobs/service/jobs-service';
import type { RightsRequirement } from '../../shared/http';

/** The job use cases over this invocation's durable client (the function declares `durableClientInput`). */
export function jobsServiceFor(app: Composition, context: InvocationContext): Promise<JobsService> {
  return app.jobsService(app.jobOrchestrations(context));
}

/**
 * The reading job use cases (get, query), without a durable client: a read declares no durable client input, so a
 * burst of reads does not build one client per request.
 */
export function jobsReaderFor(app: Composition): Promise<JobsService> {
  return app.jobsService();
}

/** Rights of the jobs API: creating and cancelling act on devices; reading is a registry read. */
export const JOB_RIGHTS = {
  write: { anyOf: ['ServiceConnect'] },
  read: { anyOf: ['RegistryRead', 'ServiceConnect'] },
} as const satisfies Record<string, RightsRequirement>;
