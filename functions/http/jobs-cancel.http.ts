import { app } from '@azure/functions';
import { appComposition } from '../app-composition';
import { durableClientInput } from '../durable/job-orchestration-client';
import { createJobsCancelHandler } from './jobs-cancel.handler';

app.http('jobsCancel', {
  methods: ['POST'],
  route: 'jobs/v2/{jobId}/cancel',
  authLevel: 'anonymous',
  extraInputs: [durableClientInput],
  handler: createJobsCancelHandler(appComposition),
});
