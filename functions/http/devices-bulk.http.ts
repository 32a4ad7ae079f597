import { app, type HttpRequest } from '@azure/functions';
import { composition } from '../../shared/composition';
import { runBulkOperation } from '../../shared/devices/simulated/bulk-registry';
import { iothubHandler, jsonResponse, parseJsonBody, type WireResponse } from '../../shared/http';

async function bulkRegistryOperation(request: HttpRequest): Promise<WireResponse> {
  const body = parseJsonBody(await request.text(), 'bulk registry operation');
  const result = await runBulkOperation(composition.registry(), composition.registryRepository(), body);
  return jsonResponse(result.isSuccessful ? 200 : 400, result);
}

app.http('devicesBulk', {
  methods: ['POST'],
  route: 'devices',
  authLevel: 'anonymous',
  handler: iothubHandler({
    rights: { allOf: ['RegistryWrite'] },
    authorizer: composition.authorizer,
    handle: bulkRegistryOperation,
  }),
});
