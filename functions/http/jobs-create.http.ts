import { app } from '@azure/functions';
import { appComposition } from '../app-composition';
import { durableClientInput } from '../durable/job-orchestration-client';
import { createJobsCreateHandler } from './jobs-create.handler';

app.http('jobsCreate', {
  methods: ['PUT'],
  route: 'jobs/v2/{jobId}',
  authLevel: 'anonymous',
  extraInputs: [durableClientInput],
  handler: createJobsCreateHandler(appComposition),
});
