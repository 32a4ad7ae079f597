import type { HttpHandler } from '@azure/functions';
import { jsonResponse, MAX_BODY_BYTES, readJsonBody } from '../../shared/http';
import { JobValidationError } from '../../shared/jobs/core/job-errors';
import { compositionEndpoint, type CompositionSource } from './http-endpoint';
import { JOB_RIGHTS, jobsServiceFor } from './jobs-service-for';

/** `?dryRun=true` (any letter case); any other value than true/false is refused rather than ignored. */
function isDryRun(value: string | null): boolean {
  if (value === null || value === '' || value.toLowerCase() === 'false') return false;
  if (value.toLowerCase() === 'true') return true;
  throw new JobValidationError('dryRun', `must be true or false, got '${value}'`);
}

/** `PUT /jobs/v2/{jobId}` (`?dryRun=true`: validate and estimate only). */
export function createJobsCreateHandler(composition: CompositionSource): HttpHandler {
  return compositionEndpoint(composition, JOB_RIGHTS.write, async (request, context, _caller, app) => {
    const body = await readJsonBody(request, 'job request', MAX_BODY_BYTES.bulk);
    const service = await jobsServiceFor(app, context);
    const command = { jobId: request.params.jobId ?? '', body };
    if (isDryRun(request.query.get('dryRun'))) return jsonResponse(200, await service.dryRunJob(command));
    return jsonResponse(200, await service.createJob(command));
  });
}
