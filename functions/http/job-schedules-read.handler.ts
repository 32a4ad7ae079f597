import type { HttpHandler } from '@azure/functions';
import { jsonResponse, pageHeaders, readPaging } from '../../shared/http';
import { compositionEndpoint, type CompositionSource } from './http-endpoint';
import { jobSchedulesServiceFor } from './job-schedules-service-for';
import { JOB_RIGHTS } from './jobs-service-for';

/** `GET /jobSchedules/{scheduleId}`. */
export function createJobSchedulesGetHandler(composition: CompositionSource): HttpHandler {
  return compositionEndpoint(composition, JOB_RIGHTS.read, async (request, context, _caller, app) => {
    const service = await jobSchedulesServiceFor(app, context);
    return jsonResponse(200, await service.getSchedule(request.params.scheduleId ?? ''));
  });
}

/** `GET /jobSchedules`: paged as `GET /jobs/v2/query` (headers or the preview's query parameters). */
export function createJobSchedulesListHandler(composition: CompositionSource): HttpHandler {
  return compositionEndpoint(composition, JOB_RIGHTS.read, async (request, context, _caller, app) => {
    const service = await jobSchedulesServiceFor(app, context);
    const page = await service.listSchedules(readPaging(request.headers, request.query));
    return jsonResponse(200, page.items, pageHeaders('JobSchedule', page.continuationToken));
  });
}
