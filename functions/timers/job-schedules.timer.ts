import { app, type InvocationContext } from '@azure/functions';
import { appComposition, appConfig } from '../app-composition';
import { durableClientInput, jobOrchestrations } from '../durable/job-orchestration-client';

/** Creates the job of every schedule occurrence that has come (exactly once, whichever host runs this). */
async function fireSchedules(_timer: unknown, context: InvocationContext): Promise<void> {
  const service = await appComposition().jobSchedules(jobOrchestrations(context));
  const { created, skipped, failed } = await service.fireDueSchedules();
  if (created.length > 0) context.log(`Job schedules: created ${created.join(', ')}.`);
  if (skipped.length > 0) context.warn(`Job schedules: skipped ${skipped.join(', ')}.`);
  for (const { scheduleId, error } of failed) context.error(`Job schedule ${scheduleId} failed: ${error}`);
}

app.timer('jobSchedulesTick', {
  schedule: appConfig().jobs.schedulesTickSchedule,
  extraInputs: [durableClientInput],
  handler: fireSchedules,
});
