import { app } from '@azure/functions';
import { appComposition } from '../app-composition';
import { durableClientInput } from '../durable/job-orchestration-client';
import { createJobSchedulesDeleteHandler, createJobSchedulesPutHandler } from './job-schedules-write.handler';

app.http('jobSchedulesPut', {
  methods: ['PUT'],
  route: 'jobSchedules/{scheduleId}',
  authLevel: 'anonymous',
  extraInputs: [durableClientInput],
  handler: createJobSchedulesPutHandler(appComposition),
});

app.http('jobSchedulesDelete', {
  methods: ['DELETE'],
  route: 'jobSchedules/{scheduleId}',
  authLevel: 'anonymous',
  extraInputs: [durableClientInput],
  handler: createJobSchedulesDeleteHandler(appComposition),
});
