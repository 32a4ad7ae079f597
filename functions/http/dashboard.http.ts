import path from 'node:path';
import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { DASHBOARD_SECURITY_HEADERS, loadDashboardAssets, type DashboardAsset } from './dashboard-assets';

let assets: ReadonlyMap<string, DashboardAsset> | undefined;

/** Where `/dashboard` redirects: a constant, never built from the request (host.json's routePrefix is ""). */
const DASHBOARD_HOME = '/dashboard/';

/**
 * `GET /dashboard/...`: the operator dashboard's static files. Anonymous on purpose: the page holds no secret and
 * calls the public API with SAS tokens it computes from the connection string the operator signs in with.
 */
function serveDashboard(request: HttpRequest): HttpResponseInit {
  assets ??= loadDashboardAssets(path.resolve(__dirname, '../../dashboard'));
  const file = request.params.path ?? '';
  // The page's relative asset URLs need the trailing slash.
  if (file === '' && !new URL(request.url).pathname.endsWith('/')) {
    return { status: 308, headers: { Location: DASHBOARD_HOME } };
  }
  const asset = assets.get(file === '' ? 'index.html' : file);
  if (!asset) {
    return { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: 'Not found.' };
  }
  return {
    status: 200,
    headers: { 'Content-Type': asset.contentType, ...DASHBOARD_SECURITY_HEADERS },
    body: request.method === 'HEAD' ? undefined : asset.body,
  };
}

app.http('dashboard', {
  methods: ['GET', 'HEAD'],
  route: 'dashboard/{*path}',
  authLevel: 'anonymous',
  handler: serveDashboard,
});
