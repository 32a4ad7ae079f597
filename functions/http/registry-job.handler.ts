import type { HttpHandler } from '@azure/functions';
import { jsonResponse } from '../../shared/http';
import { compositionEndpoint, type CompositionSource } from './http-endpoint';
import { REGISTRY_JOB_RIGHTS } from './registry-job-rights';

/** `GET /jobs/{jobId}` reads an import/export job; `DELETE` cancels it. */
export function createRegistryJobHandler(composition: CompositionSource): HttpHandler {
  return compositionEndpoint(
    composition,
    (method) => (method === 'DELETE' ? REGISTRY_JOB_RIGHTS.write : REGISTRY_JOB_RIGHTS.read),
    async (request, _context, _caller, app) => {
      const service = await app.registryJobs();
      const jobId = request.params.jobId ?? '';
      return jsonResponse(
        200,
        request.method === 'DELETE' ? await service.cancel(jobId) : await service.get(jobId),
      );
    },
  );
}
