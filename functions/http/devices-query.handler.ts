import type { HttpHandler } from '@azure/functions';
import { dispatchQuery } from '../../shared/devices/query-sources';
import {
  ArgumentInvalidError,
  jsonResponse,
  pageHeaders,
  readJsonObject,
  readPageRequest,
} from '../../shared/http';
import { parseQuery } from '../../shared/query';
import { compositionEndpoint, type CompositionSource } from './http-endpoint';

/** `POST /devices/query`: twins, module twins or device jobs, by the query's FROM clause. */
export function createDevicesQueryHandler(composition: CompositionSource): HttpHandler {
  return compositionEndpoint(
    composition,
    { anyOf: ['RegistryRead', 'ServiceConnect'] },
    async (request, _context, _caller, app) => {
      const body = await readJsonObject(request, 'query request');
      if (typeof body.query !== 'string')
        throw new ArgumentInvalidError('The body must be {"query": "<query text>"}.');
      const page = readPageRequest(request.headers, request.query);
      const result = await dispatchQuery(app.querySources(), parseQuery(body.query), page);
      return jsonResponse(200, result.items, pageHeaders(result.itemType, result.continuationToken));
    },
  );
}
