import { app } from '@azure/functions';
import { appComposition } from '../app-composition';
import { durableClientInput } from '../durable/job-orchestration-client';
import { createJobsRerunHandler } from './jobs-rerun.handler';

// The literal last segment keeps this route apart from every other jobs route whatever the function order.
app.http('jobsRerun', {
  methods: ['POST'],
  route: 'jobs/v2/{jobId}/rerun',
  authLevel: 'anonymous',
  extraInputs: [durableClientInput],
  handler: createJobsRerunHandler(appComposition),
});
