import type { HttpHandler } from '@azure/functions';
import { jsonResponse, MAX_BODY_BYTES, readJsonBody } from '../../shared/http';
import { compositionEndpoint, type CompositionSource } from './http-endpoint';
import { jobSchedulesServiceFor } from './job-schedules-service-for';
import { JOB_RIGHTS } from './jobs-service-for';

/** `PUT /jobSchedules/{scheduleId}`: creates or replaces a schedule. */
export function createJobSchedulesPutHandler(composition: CompositionSource): HttpHandler {
  return compositionEndpoint(composition, JOB_RIGHTS.write, async (request, context, _caller, app) => {
    const body = await readJsonBody(request, 'schedule', MAX_BODY_BYTES.bulk);
    const service = await jobSchedulesServiceFor(app, context);
    return jsonResponse(
      200,
      await service.putSchedule({ scheduleId: request.params.scheduleId ?? '', body }),
    );
  });
}

/** `DELETE /jobSchedules/{scheduleId}`. */
export function createJobSchedulesDeleteHandler(composition: CompositionSource): HttpHandler {
  return compositionEndpoint(composition, JOB_RIGHTS.write, async (request, context, _caller, app) => {
    const service = await jobSchedulesServiceFor(app, context);
    await service.deleteSchedule(request.params.scheduleId ?? '');
    return { status: 204, headers: {} };
  });
}
