import { app, type HttpRequest } from '@azure/functions';
import { composition } from '../../shared/composition';
import { readMethodInvocation } from '../../shared/devices/method-request';
import { invokeDeviceMethod } from '../../shared/devices/device-methods';
import { iothubHandler, jsonResponse, readJsonBody, type WireResponse } from '../../shared/http';

async function invokeMethod(request: HttpRequest): Promise<WireResponse> {
  const call = readMethodInvocation(await readJsonBody(request, 'method call'));
  const result = await invokeDeviceMethod(composition.registry(), request.params.id ?? '', call);
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
