import { createDashboardHandler } from '../../../../functions/http/dashboard.handler';
import { DASHBOARD_SECURITY_HEADERS } from '../../../../functions/http/dashboard-assets';
import { answerOf, invocation, signedRequest, type TestRequest } from '../../../support/in-memory-app';

const assets = new Map([
  ['index.html', { contentType: 'text/html; charset=utf-8', body: Buffer.from('<html></html>') }],
  ['app.js', { contentType: 'text/javascript; charset=utf-8', body: Buffer.from('1') }],
]);
const handler = createDashboardHandler(() => assets);
const get = (file: string, method = 'GET'): TestRequest => ({
  method,
  path: `/dashboard/${file}`,
  params: file === '' ? {} : { path: file },
  policy: null,
});

describe('dashboard (GET|HEAD /dashboard/{*path})', () => {
  it('serves a file of the built dashboard anonymously, with its content type and the security headers', async () => {
    const response = await handler(signedRequest(get('app.js')), invocation('dashboard'));
    expect(response).toMatchObject({
      status: 200,
      headers: { 'Content-Type': 'text/javascript; charset=utf-8', ...DASHBOARD_SECURITY_HEADERS },
    });
  });

  it('redirects /dashboard to /dashboard/ (308) and answers an unknown file with 404', async () => {
    const redirect = await answerOf(handler, { method: 'GET', path: '/dashboard', params: {}, policy: null });
    expect(redirect.status).toBe(308);
    expect(redirect.headers.Location).toBe('/dashboard/');
    const missing = await handler(signedRequest(get('secrets.txt')), invocation('dashboard'));
    expect(missing).toMatchObject({ status: 404 });
  });
});
