import path from 'node:path';
import { app } from '@azure/functions';
import { loadDashboardAssets, type DashboardAsset } from './dashboard-assets';
import { createDashboardHandler } from './dashboard.handler';

let assets: ReadonlyMap<string, DashboardAsset> | undefined;

app.http('dashboard', {
  methods: ['GET', 'HEAD'],
  route: 'dashboard/{*path}',
  authLevel: 'anonymous',
  handler: createDashboardHandler(
    () => (assets ??= loadDashboardAssets(path.resolve(__dirname, '../../dashboard'))),
  ),
});
