import type { HttpHandler } from '@azure/functions';
import { jsonResponse } from '../../shared/http';
import { compositionEndpoint, type CompositionSource } from './http-endpoint';
import { JOB_RIGHTS, jobsReaderFor } from './jobs-service-for';

/** `GET /jobs/v2/{jobId}`. */
export function createJobsReadHandler(composition: CompositionSource): HttpHandler {
  return compositionEndpoint(composition, JOB_RIGHTS.read, async (request, _context, _caller, app) => {
    const service = await jobsReaderFor(app);
    return jsonResponse(200, await service.getJob(request.params.jobId ?? ''));
  });
}
