import { app } from '@azure/functions';
import { appComposition } from '../app-composition';
import { durableClientInput } from '../durable/job-orchestration-client';
import { createJobsPauseHandler, createJobsResumeHandler } from './jobs-pause.handler';

// Each route ends in a literal segment, so no other jobs route matches it and it matches no other, whatever the
// order the host tries routes in.
app.http('jobsPause', {
  methods: ['POST'],
  route: 'jobs/v2/{jobId}/pause',
  authLevel: 'anonymous',
  extraInputs: [durableClientInput],
  handler: createJobsPauseHandler(appComposition),
});

app.http('jobsResume', {
  methods: ['POST'],
  route: 'jobs/v2/{jobId}/resume',
  authLevel: 'anonymous',
  extraInputs: [durableClientInput],
  handler: createJobsResumeHandler(appComposition),
});
