import { app } from '@azure/functions';
import { appComposition } from '../app-composition';
import { createRegistryJobsListHandler } from './registry-jobs-list.handler';

app.http('registryJobsList', {
  methods: ['GET'],
  route: 'jobs',
  authLevel: 'anonymous',
  handler: createRegistryJobsListHandler(appComposition),
});
