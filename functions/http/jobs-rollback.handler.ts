import type { HttpHandler } from '@azure/functions';
import { jsonResponse, readOptionalJsonBody } from '../../shared/http';
import { compositionEndpoint, type CompositionSource } from './http-endpoint';
import { JOB_RIGHTS, jobsServiceFor } from './jobs-service-for';

/** `POST /jobs/v2/{jobId}/rollback`: restores what a twin job's patch overwrote, as a new job. */
export function createJobsRollbackHandler(composition: CompositionSource): HttpHandler {
  return compositionEndpoint(composition, JOB_RIGHTS.write, async (request, context, _caller, app) => {
    const body = await readOptionalJsonBody(request, 'rollback request');
    const service = await jobsServiceFor(app, context);
    return jsonResponse(200, await service.rollbackJob({ jobId: request.params.jobId ?? '', body }));
  });
}
