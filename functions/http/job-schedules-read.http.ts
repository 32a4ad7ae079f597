import { app, type HttpRequest, type InvocationContext } from '@azure/functions';
import { composition } from '../../shared/composition';
import { iothubHandler, jsonResponse, pageHeaders, readPaging, type WireResponse } from '../../shared/http';
import { durableClientInput } from '../durable/job-orchestration-client';
import { jobSchedulesServiceFor } from './job-schedules-service-for';
import { JOB_RIGHTS } from './jobs-service-for';

async function getSchedule(request: HttpRequest, context: InvocationContext): Promise<WireResponse> {
  const service = await jobSchedulesServiceFor(context);
  return jsonResponse(200, await service.getSchedule(request.params.scheduleId ?? ''));
}

/** `GET /jobSchedules`: paged as `GET /jobs/v2/query` (headers or the preview's query parameters). */
async function listSchedules(request: HttpRequest, context: InvocationContext): Promise<WireResponse> {
  const service = await jobSchedulesServiceFor(context);
  const page = await service.listSchedules(readPaging(request.headers, request.query));
  return jsonResponse(200, page.items, pageHeaders('JobSchedule', page.continuationToken));
}

app.http('jobSchedulesGet', {
  methods: ['GET'],
  route: 'jobSchedules/{scheduleId}',
  authLevel: 'anonymous',
  extraInputs: [durableClientInput],
  handler: iothubHandler({
    rights: JOB_RIGHTS.read,
    authorizer: composition.authorizer,
    handle: getSchedule,
  }),
});

app.http('jobSchedulesList', {
  methods: ['GET'],
  route: 'jobSchedules',
  authLevel: 'anonymous',
  extraInputs: [durableClientInput],
  handler: iothubHandler({
    rights: JOB_RIGHTS.read,
    authorizer: composition.authorizer,
    handle: listSchedules,
  }),
});
