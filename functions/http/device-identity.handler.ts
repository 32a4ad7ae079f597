import type { HttpHandler } from '@azure/functions';
import { jsonResponse, readIfMatch, readJsonObject } from '../../shared/http';
import { registryRights } from './device-rights';
import { compositionEndpoint, type CompositionSource } from './http-endpoint';

/** `GET|PUT|DELETE /devices/{id}`: one device identity of the embedded registry. */
export function createDeviceIdentityHandler(composition: CompositionSource): HttpHandler {
  return compositionEndpoint(composition, registryRights, async (request, _context, _caller, app) => {
    const registry = app.registry();
    const deviceId = request.params.id ?? '';
    if (request.method === 'GET') return jsonResponse(200, await registry.getDevice(deviceId));
    if (request.method === 'DELETE') {
      await registry.deleteDevice(deviceId, readIfMatch(request.headers));
      return { status: 204, headers: {} };
    }
    const body = await readJsonObject(request, 'device identity');
    return jsonResponse(200, await registry.putDevice(deviceId, body, readIfMatch(request.headers)));
  });
}
