import { app, type HttpRequest } from '@azure/functions';
import { composition } from '../../shared/composition';
import { dispatchQuery } from '../../shared/devices/query-sources';
import {
  ArgumentInvalidError,
  iothubHandler,
  jsonResponse,
  pageHeaders,
  readJsonObject,
  readPageRequest,
  type WireResponse,
} from '../../shared/http';
import { parseQuery } from '../../shared/query';

async function devicesQuery(request: HttpRequest): Promise<WireResponse> {
  const body = await readJsonObject(request, 'query request');
  if (typeof body.query !== 'string')
    throw new ArgumentInvalidError('The body must be {"query": "<query text>"}.');
  const page = readPageRequest(request.headers, request.query);
  const result = await dispatchQuery(composition.querySources(), parseQuery(body.query), page);
  return jsonResponse(200, result.items, pageHeaders(result.itemType, result.continuationToken));
}

app.http('devicesQuery', {
  methods: ['POST'],
  route: 'devices/query',
  authLevel: 'anonymous',
  handler: iothubHandler({
    rights: { anyOf: ['RegistryRead', 'ServiceConnect'] },
    authorizer: composition.authorizer,
    handle: devicesQuery,
  }),
});
