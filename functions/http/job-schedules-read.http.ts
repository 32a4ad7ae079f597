import { app } from '@azure/functions';
import { appComposition } from '../app-composition';
import { durableClientInput } from '../durable/job-orchestration-client';
import { createJobSchedulesGetHandler, createJobSchedulesListHandler } from './job-schedules-read.handler';

app.http('jobSchedulesGet', {
  methods: ['GET'],
  route: 'jobSchedules/{scheduleId}',
  authLevel: 'anonymous',
  extraInputs: [durableClientInput],
  handler: createJobSchedulesGetHandler(appComposition),
});

app.http('jobSchedulesList', {
  methods: ['GET'],
  route: 'jobSchedules',
  authLevel: 'anonymous',
  extraInputs: [durableClientInput],
  handler: createJobSchedulesListHandler(appComposition),
});
