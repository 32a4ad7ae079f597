import { app, type HttpRequest, type InvocationContext } from '@azure/functions';
import { composition } from '../../shared/composition';
import {
  iothubHandler,
  jsonResponse,
  MAX_BODY_BYTES,
  readJsonBody,
  type WireResponse,
} from '../../shared/http';
import { durableClientInput } from '../durable/job-orchestration-client';
import { JOB_RIGHTS, jobsServiceFor } from './jobs-service-for';

async function createJob(request: HttpRequest, context: InvocationContext): Promise<WireResponse> {
  const body = await readJsonBody(request, 'job request', MAX_BODY_BYTES.bulk);
  const service = await jobsServiceFor(context);
  return jsonResponse(200, await service.createJob({ jobId: request.params.jobId ?? '', body }));
}

app.http('jobsCreate', {
  methods: ['PUT'],
  route: 'jobs/v2/{jobId}',
  authLevel: 'anonymous',
  extraInputs: [durableClientInput],
  handler: iothubHandler({ rights: JOB_RIGHTS.write, authorizer: composition.authorizer, handle: createJob }),
});
