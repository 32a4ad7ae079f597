import { app, type HttpRequest, type InvocationContext } from '@azure/functions';
import { composition } from '../../shared/composition';
import {
  type Caller,
  iothubHandler,
  jsonResponse,
  readOptionalJsonBody,
  type WireResponse,
} from '../../shared/http';
import type { JobsService } from '../../shared/jobs/service/jobs-service';
import { durableClientInput } from '../durable/job-orchestration-client';
import { JOB_RIGHTS, jobsServiceFor } from './jobs-service-for';

type ControlUseCase = 'pauseJob' | 'resumeJob';

function controlHandler(useCase: ControlUseCase) {
  return async (request: HttpRequest, context: InvocationContext, caller: Caller): Promise<WireResponse> => {
    const body = await readOptionalJsonBody(
      request,
      `${useCase === 'pauseJob' ? 'pause' : 'resume'} request`,
    );
    const service: JobsService = await jobsServiceFor(context);
    const command = { jobId: request.params.jobId ?? '', by: caller.policyName, body };
    return jsonResponse(200, await service[useCase](command));
  };
}

// Each route ends in a literal segment, so no other jobs route matches it and it matches no other, whatever the
// order the host tries routes in.
app.http('jobsPause', {
  methods: ['POST'],
  route: 'jobs/v2/{jobId}/pause',
  authLevel: 'anonymous',
  extraInputs: [durableClientInput],
  handler: iothubHandler({
    rights: JOB_RIGHTS.write,
    authorizer: composition.authorizer,
    handle: controlHandler('pauseJob'),
  }),
});

app.http('jobsResume', {
  methods: ['POST'],
  route: 'jobs/v2/{jobId}/resume',
  authLevel: 'anonymous',
  extraInputs: [durableClientInput],
  handler: iothubHandler({
    rights: JOB_RIGHTS.write,
    authorizer: composition.authorizer,
    handle: controlHandler('resumeJob'),
  }),
});
