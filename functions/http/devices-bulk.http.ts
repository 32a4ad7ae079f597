import { app } from '@azure/functions';
import { appComposition } from '../app-composition';
import { createDevicesBulkHandler } from './devices-bulk.handler';

app.http('devicesBulk', {
  methods: ['GET', 'POST'],
  route: 'devices',
  authLevel: 'anonymous',
  handler: createDevicesBulkHandler(appComposition),
});
