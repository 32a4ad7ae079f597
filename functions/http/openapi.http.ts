import { app } from '@azure/functions';
import { openApiDocument } from '../../shared/http/openapi-document';
import { createOpenApiHandler } from './openapi.handler';

app.http('openApiDocument', {
  methods: ['GET'],
  route: 'openapi.json',
  authLevel: 'anonymous',
  handler: createOpenApiHandler(openApiDocument),
});
