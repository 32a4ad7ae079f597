import { app, type HttpRequest, type InvocationContext } from '@azure/functions';
import { composition } from '../../shared/composition';
import {
  iothubHandler,
  jsonResponse,
  MAX_BODY_BYTES,
  readJsonBody,
  type WireResponse,
} from '../../shared/http';
import { JobValidationError } from '../../shared/jobs/core/job-errors';
import { durableClientInput } from '../durable/job-orchestration-client';
import { JOB_RIGHTS, jobsServiceFor } from './jobs-service-for';

async function createJob(request: HttpRequest, context: InvocationContext): Promise<WireResponse> {
  const body = await readJsonBody(request, 'job request', MAX_BODY_BYTES.bulk);
  const service = await jobsServiceFor(context);
  const command = { jobId: request.params.jobId ?? '', body };
  if (isDryRun(request.query.get('dryRun'))) return jsonResponse(200, await service.dryRunJob(command));
  return jsonResponse(200, await service.createJob(command));
}

/** `?dryRun=true` (any letter case); any other value than true/false is refused rather than ignored. */
function isDryRun(value: string | null): boolean {
  if (value === null || value === '' || value.toLowerCase() === 'false') return false;
  if (value.toLowerCase() === 'true') return true;
  throw new JobValidationError('dryRun', `must be true or false, got '${value}'`);
}

app.http('jobsCreate', {
  methods: ['PUT'],
  route: 'jobs/v2/{jobId}',
  authLevel: 'anonymous',
  extraInputs: [durableClientInput],
  handler: iothubHandler({ rights: JOB_RIGHTS.write, authorizer: composition.authorizer, handle: createJob }),
});
