import { app } from '@azure/functions';
import { appComposition } from '../app-composition';
import { durableClientInput } from '../durable/job-orchestration-client';
import { createRegistryJobsCreateHandler } from './registry-jobs-create.handler';

// `POST /jobs/create`: no other route takes POST under `jobs/` with two segments, so function-name order is moot.
app.http('registryJobsCreate', {
  methods: ['POST'],
  route: 'jobs/create',
  authLevel: 'anonymous',
  extraInputs: [durableClientInput],
  handler: createRegistryJobsCreateHandler(appComposition),
});
