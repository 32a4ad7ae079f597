import { app } from '@azure/functions';
import { appComposition } from '../app-composition';
import { durableClientInput } from '../durable/job-orchestration-client';
import { createJobsRollbackHandler } from './jobs-rollback.handler';

// The literal last segment keeps this route apart from every other jobs route whatever the function order.
app.http('jobsRollback', {
  methods: ['POST'],
  route: 'jobs/v2/{jobId}/rollback',
  authLevel: 'anonymous',
  extraInputs: [durableClientInput],
  handler: createJobsRollbackHandler(appComposition),
});
