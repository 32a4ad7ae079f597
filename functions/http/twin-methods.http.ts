import { app } from '@azure/functions';
import { appComposition } from '../app-composition';
import { createTwinMethodsHandler } from './twin-methods.handler';

app.http('twinMethods', {
  methods: ['POST'],
  route: 'twins/{id}/methods',
  authLevel: 'anonymous',
  handler: createTwinMethodsHandler(appComposition),
});
