import type { InvocationContext } from '@azure/functions';
import { composition } from '../../shared/composition';
import type { JobSchedulesService } from '../../shared/jobs/service/job-schedules';
import { jobOrchestrations } from '../durable/job-orchestration-client';

/** The schedule use cases over this invocation's durable client (the function declares `durableClientInput`). */
export function jobSchedulesServiceFor(context: InvocationContext): Promise<JobSchedulesService> {
  return composition.jobSchedules(jobOrchestrations(context));
}
