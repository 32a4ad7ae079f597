import { app } from '@azure/functions';
import { appComposition } from '../app-composition';
import { createDevicesQueryHandler } from './devices-query.handler';

app.http('devicesQuery', {
  methods: ['POST'],
  route: 'devices/query',
  authLevel: 'anonymous',
  handler: createDevicesQueryHandler(appComposition),
});
