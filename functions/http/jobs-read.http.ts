import { app } from '@azure/functions';
import { appComposition } from '../app-composition';
import { createJobsReadHandler } from './jobs-read.handler';

// Named to sort after jobsQuery: Azure tries routes in function-name order, so `jobs/v2/query` must come first
// or `GET /jobs/v2/query` would read a job called "query" (docs/local-host.md, route order).
app.http('jobsRead', {
  methods: ['GET'],
  route: 'jobs/v2/{jobId}',
  authLevel: 'anonymous',
  handler: createJobsReadHandler(appComposition),
});
