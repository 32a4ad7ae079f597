import { app } from '@azure/functions';
import { appComposition } from '../app-composition';
import { createDeviceIdentityHandler } from './device-identity.handler';

app.http('deviceIdentity', {
  methods: ['GET', 'PUT', 'DELETE'],
  route: 'devices/{id}',
  authLevel: 'anonymous',
  handler: createDeviceIdentityHandler(appComposition),
});
