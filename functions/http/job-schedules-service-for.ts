import type { InvocationContext } from '@azure/functions';
import type { Composition } from '../../shared/composition';
import type { JobSchedulesService } from '../../shared/jobs/service/job-schedules';

/** The schedule use cases over this invocation's durable client (the function declares `durableClientInput`). */
export function jobSchedulesServiceFor(
  app: Composition,
  context: InvocationContext,
): Promise<JobSchedulesService> {
  return app.jobSchedules(app.jobOrchestrations(context));
}
