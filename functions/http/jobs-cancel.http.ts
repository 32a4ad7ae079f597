import { app, type HttpRequest, type InvocationContext } from '@azure/functions';
import { composition } from '../../shared/composition';
import { iothubHandler, jsonResponse, type WireResponse } from '../../shared/http';
import { durableClientInput } from '../durable/job-orchestration-client';
import { JOB_RIGHTS, jobsServiceFor } from './jobs-service-for';

async function cancelJob(request: HttpRequest, context: InvocationContext): Promise<WireResponse> {
  const service = await jobsServiceFor(context);
  return jsonResponse(200, await service.cancelJob(request.params.jobId ?? ''));
}

app.http('jobsCancel', {
  methods: ['POST'],
  route: 'jobs/v2/{jobId}/cancel',
  authLevel: 'anonymous',
  extraInputs: [durableClientInput],
  handler: iothubHandler({ rights: JOB_RIGHTS.write, authorizer: composition.authorizer, handle: cancelJob }),
});
