import { app, type InvocationContext } from '@azure/functions';
import { appComposition, appConfig } from '../app-composition';
import { sweepJobEvents } from '../../shared/jobs/engine/job-event-publisher';

/** Publishes job events stored with their change but not sent (the host stopped in between, or the queue failed). */
async function sweep(_timer: unknown, context: InvocationContext): Promise<void> {
  const sent = await sweepJobEvents(await appComposition().jobEvents());
  if (sent > 0) context.log(`Job events: published ${sent} events left in the outbox.`);
}

app.timer('jobEventsSweep', {
  schedule: appConfig().jobs.events.sweepSchedule,
  handler: sweep,
});
