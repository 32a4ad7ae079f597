import type { HttpHandler } from '@azure/functions';
import { jsonResponse, readJsonBody } from '../../shared/http';
import { compositionEndpoint, type CompositionSource } from './http-endpoint';
import { JOB_RIGHTS, jobsServiceFor } from './jobs-service-for';

/** `POST /jobs/v2/{jobId}/rerun`: a new job with the devices of an ended one. */
export function createJobsRerunHandler(composition: CompositionSource): HttpHandler {
  return compositionEndpoint(composition, JOB_RIGHTS.write, async (request, context, _caller, app) => {
    const body = await readJsonBody(request, 'rerun request');
    const service = await jobsServiceFor(app, context);
    return jsonResponse(200, await service.rerunJob({ jobId: request.params.jobId ?? '', body }));
  });
}
