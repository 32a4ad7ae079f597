import type { HttpHandler } from '@azure/functions';
import { jsonResponse } from '../../shared/http';
import { compositionEndpoint, type CompositionSource } from './http-endpoint';
import { JOB_RIGHTS, jobsServiceFor } from './jobs-service-for';

/** `POST /jobs/v2/{jobId}/cancel`. */
export function createJobsCancelHandler(composition: CompositionSource): HttpHandler {
  return compositionEndpoint(composition, JOB_RIGHTS.write, async (request, context, _caller, app) => {
    const service = await jobsServiceFor(app, context);
    return jsonResponse(200, await service.cancelJob(request.params.jobId ?? ''));
  });
}
