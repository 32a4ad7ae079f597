import { app, type HttpRequest } from '@azure/functions';
import { composition } from '../../shared/composition';
import {
  iothubHandler,
  jsonResponse,
  readIfMatch,
  readJsonObject,
  type WireResponse,
} from '../../shared/http';

async function deviceIdentity(request: HttpRequest): Promise<WireResponse> {
  const registry = composition.registry();
  const deviceId = request.params.id ?? '';
  if (request.method === 'GET') return jsonResponse(200, await registry.getDevice(deviceId));
  if (request.method === 'DELETE') {
    await registry.deleteDevice(deviceId, readIfMatch(request.headers));
    return { status: 204, headers: {} };
  }
  const body = await readJsonObject(request, 'device identity');
  return jsonResponse(200, await registry.putDevice(deviceId, body, readIfMatch(request.headers)));
}

app.http('deviceIdentity', {
  methods: ['GET', 'PUT', 'DELETE'],
  route: 'devices/{id}',
  authLevel: 'anonymous',
  handler: iothubHandler({
    rights: (method) =>
      method === 'GET' ? { anyOf: ['RegistryRead', 'RegistryWrite'] } : { allOf: ['RegistryWrite'] },
    authorizer: composition.authorizer,
    handle: deviceIdentity,
  }),
});
