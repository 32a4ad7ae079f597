import { app } from '@azure/functions';
import { jsonResponse, type WireResponse } from '../../shared/http';
import { openApiDocument } from '../../shared/http/openapi-document';

let document: string | undefined;

/**
 * `GET /openapi.json`: the API's OpenAPI 3.1 document, generated from the request schemas. Anonymous on purpose:
 * it describes the public API and holds no secret (as IoT Hub publishes its REST specification).
 */
function serveOpenApi(): WireResponse {
  document ??= JSON.stringify(openApiDocument());
  return { ...jsonResponse(200, {}), body: document };
}

app.http('openApiDocument', {
  methods: ['GET'],
  route: 'openapi.json',
  authLevel: 'anonymous',
  handler: serveOpenApi,
});
