import { app, type HttpRequest } from '@azure/functions';
import { composition } from '../../shared/composition';
import { readTwinBody } from '../../shared/devices/simulated/registry-bodies';
import {
  iothubHandler,
  jsonResponse,
  readJsonObject,
  readIfMatch,
  type WireResponse,
} from '../../shared/http';
import { requiredEtag } from '../../shared/iothub-rules';

async function twin(request: HttpRequest): Promise<WireResponse> {
  const registry = composition.registry();
  const deviceId = request.params.id ?? '';
  if (request.method === 'GET') return jsonResponse(200, await registry.getTwin(deviceId));
  const mode = request.method === 'PATCH' ? 'patch' : 'replace';
  const change = readTwinBody(await readJsonObject(request, 'twin'), mode === 'patch');
  return jsonResponse(
    200,
    await registry.updateTwin(deviceId, change, mode, requiredEtag(readIfMatch(request.headers))),
  );
}

app.http('twin', {
  methods: ['GET', 'PATCH', 'PUT'],
  route: 'twins/{id}',
  authLevel: 'anonymous',
  handler: iothubHandler({
    rights: (method) =>
      method === 'GET' ? { anyOf: ['RegistryRead', 'ServiceConnect'] } : { allOf: ['ServiceConnect'] },
    authorizer: composition.authorizer,
    handle: twin,
  }),
});
