import type { HttpHandler } from '@azure/functions';
import { parseOrThrow } from '@device-jobs/client/schemas';
import { dispatchQuery } from '../../shared/devices/query-sources';
import {
  ArgumentInvalidError,
  jsonResponse,
  pageHeaders,
  readJsonObject,
  readPageRequest,
} from '../../shared/http';
import { parseQuery } from '../../shared/query';
import { DEVICES_QUERY_BODY_RULE, DevicesQueryBodySchema } from '../../shared/schemas/devices-query.schema';
import { compositionEndpoint, type CompositionSource } from './http-endpoint';

/** `POST /devices/query`: twins, module twins or device jobs, by the query's FROM clause. */
export function createDevicesQueryHandler(composition: CompositionSource): HttpHandler {
  return compositionEndpoint(
    composition,
    { anyOf: ['RegistryRead', 'ServiceConnect'] },
    async (request, _context, _caller, app) => {
      const { query } = parseOrThrow(
        DevicesQueryBodySchema,
        await readJsonObject(request, 'query request'),
        '',
        () => new ArgumentInvalidError(DEVICES_QUERY_BODY_RULE),
      );
      const page = readPageRequest(request.headers, request.query);
      const result = await dispatchQuery(app.querySources(), parseQuery(query), page);
      return jsonResponse(200, result.items, pageHeaders(result.itemType, result.continuationToken));
    },
  );
}
