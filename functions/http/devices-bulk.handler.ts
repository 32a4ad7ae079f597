import type { HttpHandler, HttpRequest } from '@azure/functions';
import type { Composition } from '../../shared/composition';
import { runBulkOperation } from '../../shared/devices/simulated/bulk-registry';
import {
  ArgumentInvalidError,
  jsonResponse,
  MAX_BODY_BYTES,
  readJsonBody,
  type WireResponse,
} from '../../shared/http';
import { registryRights } from './device-rights';
import { compositionEndpoint, type CompositionSource } from './http-endpoint';

const MAX_LISTED = 1000;

/** `GET /devices?top=n` (the SDK's `Registry.list`): up to 1,000 identities, as IoT Hub lists them. */
async function listDevices(request: HttpRequest, app: Composition): Promise<WireResponse> {
  const raw = request.query.get('top');
  const top = raw === null ? MAX_LISTED : Number(raw);
  if (!Number.isInteger(top) || top < 1 || top > MAX_LISTED) {
    throw new ArgumentInvalidError(`top must be a whole number from 1 to ${MAX_LISTED}.`);
  }
  return jsonResponse(200, await app.registry().listDevices(top));
}

/** `GET /devices` lists identities; `POST /devices` runs a bulk registry operation. */
export function createDevicesBulkHandler(composition: CompositionSource): HttpHandler {
  return compositionEndpoint(composition, registryRights, async (request, _context, _caller, app) => {
    if (request.method === 'GET') return listDevices(request, app);
    const body = await readJsonBody(request, 'bulk registry operation', MAX_BODY_BYTES.bulk);
    const result = await runBulkOperation(app.registry(), body);
    return jsonResponse(result.isSuccessful ? 200 : 400, result);
  });
}
