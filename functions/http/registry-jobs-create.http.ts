import { app, type HttpRequest, type InvocationContext } from '@azure/functions';
import { composition } from '../../shared/composition';
import { iothubHandler, jsonResponse, readJsonBody, type WireResponse } from '../../shared/http';
import { durableClientInput } from '../durable/job-orchestration-client';
import { REGISTRY_JOB_RIGHTS, registryJobsFor } from './registry-jobs-service-for';

async function createRegistryJob(request: HttpRequest, context: InvocationContext): Promise<WireResponse> {
  const body = await readJsonBody(request, 'job properties');
  return jsonResponse(200, await (await registryJobsFor(context)).create(body));
}

// `POST /jobs/create`: no other route takes POST under `jobs/` with two segments, so function-name order is moot.
app.http('registryJobsCreate', {
  methods: ['POST'],
  route: 'jobs/create',
  authLevel: 'anonymous',
  extraInputs: [durableClientInput],
  handler: iothubHandler({
    rights: REGISTRY_JOB_RIGHTS.write,
    authorizer: composition.authorizer,
    handle: createRegistryJob,
  }),
});
