import { app, type HttpRequest } from '@azure/functions';
import { composition } from '../../shared/composition';
import { runBulkOperation } from '../../shared/devices/simulated/bulk-registry';
import {
  ArgumentInvalidError,
  iothubHandler,
  jsonResponse,
  MAX_BODY_BYTES,
  readJsonBody,
  type WireResponse,
} from '../../shared/http';

const MAX_LISTED = 1000;

/** `GET /devices?top=n` (the SDK's `Registry.list`): up to 1,000 identities, as IoT Hub lists them. */
async function listDevices(request: HttpRequest): Promise<WireResponse> {
  const raw = request.query.get('top');
  const top = raw === null ? MAX_LISTED : Number(raw);
  if (!Number.isInteger(top) || top < 1 || top > MAX_LISTED) {
    throw new ArgumentInvalidError(`top must be a whole number from 1 to ${MAX_LISTED}.`);
  }
  return jsonResponse(200, await composition.registry().listDevices(top));
}

async function bulkRegistryOperation(request: HttpRequest): Promise<WireResponse> {
  if (request.method === 'GET') return listDevices(request);
  const body = await readJsonBody(request, 'bulk registry operation', MAX_BODY_BYTES.bulk);
  const result = await runBulkOperation(composition.registry(), body);
  return jsonResponse(result.isSuccessful ? 200 : 400, result);
}

app.http('devicesBulk', {
  methods: ['GET', 'POST'],
  route: 'devices',
  authLevel: 'anonymous',
  handler: iothubHandler({
    rights: (method) =>
      method === 'GET' ? { anyOf: ['RegistryRead', 'RegistryWrite'] } : { allOf: ['RegistryWrite'] },
    authorizer: composition.authorizer,
    handle: bulkRegistryOperation,
  }),
});
