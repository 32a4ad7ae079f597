import type { HttpHandler } from '@azure/functions';
import { jsonResponse } from '../../shared/http';

/**
 * `GET /openapi.json`: the API's OpenAPI 3.1 document (`document`, built on the first request and kept). Anonymous
 * on purpose: it describes the public API and holds no secret (as IoT Hub publishes its REST specification).
 */
export function createOpenApiHandler(document: () => unknown): HttpHandler {
  let body: string | undefined;
  return () => {
    body ??= JSON.stringify(document());
    return Promise.resolve({ ...jsonResponse(200, {}), body });
  };
}
