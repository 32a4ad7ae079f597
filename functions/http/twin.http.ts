import { app } from '@azure/functions';
import { appComposition } from '../app-composition';
import { createTwinHandler } from './twin.handler';

app.http('twin', {
  methods: ['GET', 'PATCH', 'PUT'],
  route: 'twins/{id}',
  authLevel: 'anonymous',
  handler: createTwinHandler(appComposition),
});
