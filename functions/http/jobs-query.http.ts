import { app } from '@azure/functions';
import { appComposition } from '../app-composition';
import { createJobsQueryHandler } from './jobs-query.handler';

app.http('jobsQuery', {
  methods: ['GET'],
  route: 'jobs/v2/query',
  authLevel: 'anonymous',
  handler: createJobsQueryHandler(appComposition),
});
