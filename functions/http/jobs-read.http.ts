import { app, type HttpRequest } from '@azure/functions';
import { composition } from '../../shared/composition';
import { iothubHandler, jsonResponse, type WireResponse } from '../../shared/http';
import { JOB_RIGHTS, jobsReaderFor } from './jobs-service-for';

async function getJob(request: HttpRequest): Promise<WireResponse> {
  const service = await jobsReaderFor();
  return jsonResponse(200, await service.getJob(request.params.jobId ?? ''));
}

// Named to sort after jobsQuery: Azure tries routes in function-name order, so `jobs/v2/query` must come first
// or `GET /jobs/v2/query` would read a job called "query" (docs/local-host.md, route order).
app.http('jobsRead', {
  methods: ['GET'],
  route: 'jobs/v2/{jobId}',
  authLevel: 'anonymous',
  handler: iothubHandler({ rights: JOB_RIGHTS.read, authorizer: composition.authorizer, handle: getJob }),
});
