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
import { jobSchedulesServiceFor } from './job-schedules-service-for';
import { JOB_RIGHTS } from './jobs-service-for';

async function putSchedule(request: HttpRequest, context: InvocationContext): Promise<WireResponse> {
  const body = await readJsonBody(request, 'schedule', MAX_BODY_BYTES.bulk);
  const service = await jobSchedulesServiceFor(context);
  return jsonResponse(200, await service.putSchedule({ scheduleId: request.params.scheduleId ?? '', body }));
}

async function deleteSchedule(request: HttpRequest, context: InvocationContext): Promise<WireResponse> {
  const service = await jobSchedulesServiceFor(context);
  await service.deleteSchedule(request.params.scheduleId ?? '');
  return { status: 204, headers: {} };
}

app.http('jobSchedulesPut', {
  methods: ['PUT'],
  route: 'jobSchedules/{scheduleId}',
  authLevel: 'anonymous',
  extraInputs: [durableClientInput],
  handler: iothubHandler({
    rights: JOB_RIGHTS.write,
    authorizer: composition.authorizer,
    handle: putSchedule,
  }),
});

app.http('jobSchedulesDelete', {
  methods: ['DELETE'],
  route: 'jobSchedules/{scheduleId}',
  authLevel: 'anonymous',
  extraInputs: [durableClientInput],
  handler: iothubHandler({
    rights: JOB_RIGHTS.write,
    authorizer: composition.authorizer,
    handle: deleteSchedule,
  }),
});
