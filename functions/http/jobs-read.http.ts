import { app, type HttpRequest, type InvocationContext } from '@azure/functions';
import { composition } from '../../shared/composition';
import { iothubHandler, jsonResponse, type WireResponse } from '../../shared/http';
import { durableClientInput } from '../durable/job-orchestration-client';
import { JOB_RIGHTS, jobsServiceFor } from './jobs-service-for';

async function getJob(request: HttpRequest, context: InvocationContext): Promise<WireResponse> {
  const service = await jobsServiceFor(context);
  return jsonResponse(200, await service.getJob(request.params.jobId ?? ''));
}

// Named to sort after jobsQuery: Azure tries routes in function-name order, so `jobs/v2/query` must come first
// or `GET /jobs/v2/query` would read a job called "query" (docs/local-host.md, route order).
app.http('jobsRead', {
  methods: ['GET'],
  route: 'jobs/v2/{jobId}',
  authLevel: 'anonymous',
  extraInputs: [durableClientInput],
  handler: iothubHandler({ rights: JOB_RIGHTS.read, authorizer: composition.authorizer, handle: getJob }),
});
