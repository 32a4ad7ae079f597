import type { HttpHandler } from '@azure/functions';
import { readTwinBody } from '../../shared/devices/simulated/registry-bodies';
import { jsonResponse, readIfMatch, readJsonObject } from '../../shared/http';
import { requiredEtag } from '../../shared/iothub-rules';
import { twinRights } from './device-rights';
import { compositionEndpoint, type CompositionSource } from './http-endpoint';

/** `GET /twins/{id}` reads a twin; `PATCH` merges into it and `PUT` replaces its tags and desired properties. */
export function createTwinHandler(composition: CompositionSource): HttpHandler {
  return compositionEndpoint(composition, twinRights, async (request, _context, _caller, app) => {
    const registry = app.registry();
    const deviceId = request.params.id ?? '';
    if (request.method === 'GET') return jsonResponse(200, await registry.getTwin(deviceId));
    const mode = request.method === 'PATCH' ? 'patch' : 'replace';
    const change = readTwinBody(await readJsonObject(request, 'twin'), mode === 'patch');
    return jsonResponse(
      200,
      await registry.updateTwin(deviceId, change, mode, requiredEtag(readIfMatch(request.headers))),
    );
  });
}
