import { app, type HttpRequest } from '@azure/functions';
import { composition } from '../../shared/composition';
import { readMethodInvocation } from '../../shared/devices/method-request';
import { simulateMethod } from '../../shared/devices/simulated/method-simulator';
import { iothubHandler, jsonResponse, readJsonBody, type WireResponse } from '../../shared/http';

async function invokeMethod(request: HttpRequest): Promise<WireResponse> {
  const call = readMethodInvocation(await readJsonBody(request, 'method call'));
  const result = await simulateMethod(composition.registry(), request.params.id ?? '', call);
  return jsonResponse(200, result);
}

app.http('twinMethods', {
  methods: ['POST'],
  route: 'twins/{id}/methods',
  authLevel: 'anonymous',
  handler: iothubHandler({
    rights: { allOf: ['ServiceConnect'] },
    authorizer: composition.authorizer,
    handle: invokeMethod,
  }),
});
