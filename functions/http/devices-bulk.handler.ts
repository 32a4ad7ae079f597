import type { HttpHandler, HttpRequest } from '@azure/functions';
import type { Composition } from '../../shared/composition';
import { runBulkOperation } from '../../shared/devices/simulated/bulk-registry';
import {
  argumentInvalid,
  jsonResponse,
  MAX_BODY_BYTES,
  readJsonBody,
  type WireResponse,
} from '../../shared/http';
import { ListTopSchema } from '../../shared/schemas/query-parameters.schema';
import { parseOrThrow } from '@device-jobs/client/schemas';
import { registryRights } from './device-rights';
import { compositionEndpoint, type CompositionSource } from './http-endpoint';

/** `GET /devices?top=n` (the SDK's `Registry.list`): up to 1,000 identities, as IoT Hub lists them. */
async function listDevices(request: HttpRequest, app: Composition): Promise<WireResponse> {
  const top = parseOrThrow(ListTopSchema, request.query.get('top') ?? undefined, 'top', argumentInvalid);
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
