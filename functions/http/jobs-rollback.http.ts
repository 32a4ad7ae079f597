import { app, type HttpRequest, type InvocationContext } from '@azure/functions';
import { composition } from '../../shared/composition';
import { iothubHandler, jsonResponse, readOptionalJsonBody, type WireResponse } from '../../shared/http';
import { durableClientInput } from '../durable/job-orchestration-client';
import { JOB_RIGHTS, jobsServiceFor } from './jobs-service-for';

async function rollbackJob(request: HttpRequest, context: InvocationContext): Promise<WireResponse> {
  const body = await readOptionalJsonBody(request, 'rollback request');
  const service = await jobsServiceFor(context);
  return jsonResponse(200, await service.rollbackJob({ jobId: request.params.jobId ?? '', body }));
}

// The literal last segment keeps this route apart from every other jobs route whatever the function order.
app.http('jobsRollback', {
  methods: ['POST'],
  route: 'jobs/v2/{jobId}/rollback',
  authLevel: 'anonymous',
  extraInputs: [durableClientInput],
  handler: iothubHandler({
    rights: JOB_RIGHTS.write,
    authorizer: composition.authorizer,
    handle: rollbackJob,
  }),
});
