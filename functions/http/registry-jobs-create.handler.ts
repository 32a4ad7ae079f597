import type { HttpHandler } from '@azure/functions';
import { jsonResponse, readJsonBody } from '../../shared/http';
import { compositionEndpoint, type CompositionSource } from './http-endpoint';
import { REGISTRY_JOB_RIGHTS } from './registry-job-rights';

/** `POST /jobs/create`: an import or export job, started through the invocation's durable client. */
export function createRegistryJobsCreateHandler(composition: CompositionSource): HttpHandler {
  return compositionEndpoint(
    composition,
    REGISTRY_JOB_RIGHTS.write,
    async (request, context, _caller, app) => {
      const body = await readJsonBody(request, 'job properties');
      return jsonResponse(200, await (await app.registryJobs(context)).create(body));
    },
  );
}
