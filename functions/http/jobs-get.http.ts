import { app, type HttpRequest, type InvocationContext } from '@azure/functions';
import { composition } from '../../shared/composition';
import { iothubHandler, jsonResponse, type WireResponse } from '../../shared/http';
import { durableClientInput } from '../durable/job-orchestration-client';
import { JOB_RIGHTS, jobsServiceFor } from './jobs-service-for';

async function getJob(request: HttpRequest, context: InvocationContext): Promise<WireResponse> {
  const service = await jobsServiceFor(context);
  return jsonResponse(200, await service.getJob(request.params.jobId ?? ''));
}

app.http('jobsGet', {
  methods: ['GET'],
  route: 'jobs/v2/{jobId}',
  authLevel: 'anonymous',
  extraInputs: [durableClientInput],
  handler: iothubHandler({ rights: JOB_RIGHTS.read, authorizer: composition.authorizer, handle: getJob }),
});
