import * as df from 'durable-functions';
import type { InvocationContext } from '@azure/functions';
import type { ScheduleTimerStep } from '../../shared/jobs/service/job-schedules';
import { appComposition } from '../app-composition';
import { durableClientInput } from './job-orchestration-client';
import { SCHEDULE_TIMER_ACTIVITY_NAME } from './job-function-names';

/** One step of a schedule's durable timer (`job-schedule-timer.orchestrator.ts`): fires the occurrence when due. */
async function runStep(scheduleId: unknown, context: InvocationContext): Promise<{ wakeAt?: string }> {
  if (typeof scheduleId !== 'string') throw new Error('A schedule timer step needs the schedule id.');
  const app = appComposition();
  const service = await app.jobSchedules(app.jobOrchestrations(context));
  const { result, wakeAt }: ScheduleTimerStep = await service.fireSchedule(scheduleId);
  if (result.created.length > 0) context.log(`Job schedules: created ${result.created.join(', ')}.`);
  if (result.skipped.length > 0) context.warn(`Job schedules: skipped ${result.skipped.join(', ')}.`);
  for (const { error } of result.failed) context.error(`Job schedule ${scheduleId} failed: ${error}`);
  return wakeAt === undefined ? {} : { wakeAt };
}

df.app.activity(SCHEDULE_TIMER_ACTIVITY_NAME, { extraInputs: [durableClientInput], handler: runStep });
