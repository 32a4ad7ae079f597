import { app, type HttpRequest } from '@azure/functions';
import { composition } from '../../shared/composition';
import { iothubHandler, jsonResponse, type WireResponse } from '../../shared/http';
import { REGISTRY_JOB_RIGHTS, registryJobsFor } from './registry-jobs-service-for';

/** `GET /jobs/{jobId}` reads an import/export job; `DELETE` cancels it. */
async function registryJob(request: HttpRequest): Promise<WireResponse> {
  const service = await registryJobsFor();
  const jobId = request.params.jobId ?? '';
  return jsonResponse(
    200,
    request.method === 'DELETE' ? await service.cancel(jobId) : await service.get(jobId),
  );
}

// One segment after `jobs/`: it never takes `/jobs/v2/...` requests, and `POST /jobs/create` has a method of its own.
app.http('registryJob', {
  methods: ['GET', 'DELETE'],
  route: 'jobs/{jobId}',
  authLevel: 'anonymous',
  handler: iothubHandler({
    rights: (method) => (method === 'DELETE' ? REGISTRY_JOB_RIGHTS.write : REGISTRY_JOB_RIGHTS.read),
    authorizer: composition.authorizer,
    handle: registryJob,
  }),
});
