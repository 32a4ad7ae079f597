import { app } from '@azure/functions';
import { appComposition } from '../app-composition';
import { createRegistryJobHandler } from './registry-job.handler';

// One segment after `jobs/`: it never takes `/jobs/v2/...` requests, and `POST /jobs/create` has a method of its own.
app.http('registryJob', {
  methods: ['GET', 'DELETE'],
  route: 'jobs/{jobId}',
  authLevel: 'anonymous',
  handler: createRegistryJobHandler(appComposition),
});
