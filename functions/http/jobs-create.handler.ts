import type { HttpHandler } from '@azure/functions';
import { jsonResponse, MAX_BODY_BYTES, readJsonBody } from '../../shared/http';
import { parseJobField } from '../../shared/jobs/core/rollout-config';
import { DryRunSchema } from '../../shared/schemas/query-parameters.schema';
import { compositionEndpoint, type CompositionSource } from './http-endpoint';
import { JOB_RIGHTS, jobsServiceFor } from './jobs-service-for';

/** `PUT /jobs/v2/{jobId}` (`?dryRun=true`: validate and estimate only). */
export function createJobsCreateHandler(composition: CompositionSource): HttpHandler {
  return compositionEndpoint(composition, JOB_RIGHTS.write, async (request, context, _caller, app) => {
    const body = await readJsonBody(request, 'job request', MAX_BODY_BYTES.bulk);
    const service = await jobsServiceFor(app, context);
    const command = { jobId: request.params.jobId ?? '', body };
    // Any other value than true/false is refused rather than ignored.
    if (parseJobField(DryRunSchema, request.query.get('dryRun') ?? undefined, 'dryRun'))
      return jsonResponse(200, await service.dryRunJob(command));
    return jsonResponse(200, await service.createJob(command));
  });
}
