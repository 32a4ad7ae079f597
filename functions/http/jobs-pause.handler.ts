import type { HttpHandler } from '@azure/functions';
import { jsonResponse, readOptionalJsonBody } from '../../shared/http';
import { compositionEndpoint, type CompositionSource } from './http-endpoint';
import { JOB_RIGHTS, jobsServiceFor } from './jobs-service-for';

type ControlUseCase = 'pauseJob' | 'resumeJob';

function createControlHandler(composition: CompositionSource, useCase: ControlUseCase): HttpHandler {
  return compositionEndpoint(composition, JOB_RIGHTS.write, async (request, context, caller, app) => {
    const body = await readOptionalJsonBody(
      request,
      `${useCase === 'pauseJob' ? 'pause' : 'resume'} request`,
    );
    const service = await jobsServiceFor(app, context);
    const command = { jobId: request.params.jobId ?? '', by: caller.policyName, body };
    return jsonResponse(200, await service[useCase](command));
  });
}

/** `POST /jobs/v2/{jobId}/pause`. */
export function createJobsPauseHandler(composition: CompositionSource): HttpHandler {
  return createControlHandler(composition, 'pauseJob');
}

/** `POST /jobs/v2/{jobId}/resume`. */
export function createJobsResumeHandler(composition: CompositionSource): HttpHandler {
  return createControlHandler(composition, 'resumeJob');
}
