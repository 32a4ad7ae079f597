import type { HttpHandler, HttpRequest, HttpResponseInit } from '@azure/functions';
import { DASHBOARD_SECURITY_HEADERS, type DashboardAsset } from './dashboard-assets';

/** Where `/dashboard` redirects: a constant, never built from the request (host.json's routePrefix is ""). */
const DASHBOARD_HOME = '/dashboard/';

/**
 * `GET /dashboard/...`: the operator dashboard's static files (`assets`, read on the first request). Anonymous on
 * purpose: the page holds no secret and calls the public API with SAS tokens it computes from the connection
 * string the operator signs in with.
 */
export function createDashboardHandler(assets: () => ReadonlyMap<string, DashboardAsset>): HttpHandler {
  return (request: HttpRequest): HttpResponseInit => {
    const file = request.params.path ?? '';
    // The page's relative asset URLs need the trailing slash.
    if (file === '' && !new URL(request.url).pathname.endsWith('/')) {
      return { status: 308, headers: { Location: DASHBOARD_HOME } };
    }
    const asset = assets().get(file === '' ? 'index.html' : file);
    if (!asset) {
      return {
        status: 404,
        headers: { 'Content-Type': 'text/plain; charset=utf-8' },
        body: 'Not found.',
      };
    }
    return {
      status: 200,
      headers: { 'Content-Type': asset.contentType, ...DASHBOARD_SECURITY_HEADERS },
      body: request.method === 'HEAD' ? undefined : asset.body,
    };
  };
}
