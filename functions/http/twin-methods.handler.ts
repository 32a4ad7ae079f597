import type { HttpHandler } from '@azure/functions';
import { readMethodInvocation } from '../../shared/devices/method-request';
import { invokeDeviceMethod } from '../../shared/devices/device-methods';
import { jsonResponse, readJsonBody } from '../../shared/http';
import { compositionEndpoint, type CompositionSource } from './http-endpoint';

/** `POST /twins/{id}/methods`: a direct method call on a device. */
export function createTwinMethodsHandler(composition: CompositionSource): HttpHandler {
  return compositionEndpoint(
    composition,
    { allOf: ['ServiceConnect'] },
    async (request, _context, _caller, app) => {
      const call = readMethodInvocation(await readJsonBody(request, 'method call'));
      const result = await invokeDeviceMethod(app.registry(), request.params.id ?? '', call);
      return jsonResponse(200, result);
    },
  );
}
