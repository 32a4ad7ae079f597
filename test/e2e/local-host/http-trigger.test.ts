import http from 'node:http';
import path from 'node:path';
import { startHostProcess, type HostProcess } from '../../support/local-host-process';

const APP = path.resolve(__dirname, '../../fixtures/http-routes-app');

describe('func-local: HTTP triggers', () => {
  let host: HostProcess;
  const url = (route: string) => `${host.baseUrl}${route}`;
  const getJson = async (route: string) => {
    const response = await fetch(url(route));
    return { status: response.status, body: await response.json() };
  };

  beforeAll(async () => {
    host = await startHostProcess({ appDir: APP });
  }, 60_000);

  afterAll(async () => {
    await host?.stop();
  });

  it('lists the functions with their methods and URLs, like func start', () => {
    expect(host.output).toContain(`  itemById: [GET] ${host.baseUrl}/v1/items/{id:int}`);
    expect(host.output).toContain(`  thingWrite: [PUT,DELETE] ${host.baseUrl}/v1/things/{id}`);
    expect(host.output).toContain(`  defaultRoute: [GET,POST] ${host.baseUrl}/v1/defaultRoute`);
  });

  it("routes in Azure's order: by function name, first match wins, literals not ranked first", async () => {
    await expect(getJson('/v1/items/42')).resolves.toEqual({
      status: 200,
      body: { kind: 'int', params: { id: '42' } },
    });
    await expect(getJson('/v1/items/books')).resolves.toMatchObject({ body: { kind: 'alpha' } });
    // itemByName sorts before newItem, so its {name:alpha} takes "new", as on Azure.
    await expect(getJson('/v1/ITEMS/NEW')).resolves.toMatchObject({
      body: { kind: 'alpha', params: { name: 'NEW' } },
    });
    await host.waitForOutput(
      /Route "v1\/items\/\{name:alpha\}" of function "itemByName" shadows route "v1\/items\/new" of function "newItem" \(e\.g\. GET \/v1\/items\/new\): "itemByName" wins/,
      1_000,
    );
    await expect(getJson('/v1/items/0f8fad5b-d9cb-469f-a165-70867728950e')).resolves.toMatchObject({
      body: { kind: 'guid', params: { id: '0f8fad5b-d9cb-469f-a165-70867728950e' } },
    });
    expect((await fetch(url('/v1/items/4x2'))).status).toBe(404);
  });

  it('binds optional parameters, length and bool constraints, and catch-alls', async () => {
    await expect(getJson('/v1/codes/abc')).resolves.toMatchObject({ body: { params: { code: 'abc' } } });
    await expect(getJson('/v1/codes/abc/true')).resolves.toMatchObject({
      body: { params: { code: 'abc', flag: 'true' } },
    });
    expect((await fetch(url('/v1/codes/abcd'))).status).toBe(404);
    expect((await fetch(url('/v1/codes/abc/maybe'))).status).toBe(404);
    await expect(getJson('/v1/files/a/b%20c/d.txt')).resolves.toMatchObject({
      body: { kind: 'catch-all', params: { path: 'a/b c/d.txt' } },
    });
  });

  it('uses the function name as the default route and honours the route prefix', async () => {
    await expect(getJson('/v1/defaultroute')).resolves.toMatchObject({ body: { kind: 'default' } });
    expect((await fetch(url('/api/items/42'))).status).toBe(404);
    expect((await fetch(url('/items/42'))).status).toBe(404);
  });

  it('answers 404 for a known route and a wrong method, as Azure does, and accepts listed methods in any case', async () => {
    const refused = await fetch(url('/v1/things/9'), { method: 'GET' });
    expect(refused.status).toBe(404);
    const deleted = await fetch(url('/v1/things/9'), { method: 'DELETE' });
    expect(await deleted.json()).toEqual({ method: 'DELETE', id: '9' });
  });

  it('passes JSON bodies, headers and repeated query values, and logs with the function name', async () => {
    const response = await fetch(url('/v1/echo/json?tag=a&tag=b'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-custom': 'yes' },
      body: JSON.stringify({ device: 'd1', count: 3 }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({
      body: { device: 'd1', count: 3 },
      contentType: 'application/json',
      custom: 'yes',
      tags: ['a', 'b'],
      url: url('/v1/echo/json?tag=a&tag=b'),
    });
    await host.waitForOutput(/echoJson: echoing \{"device":"d1","count":3\}/, 5_000);
  });

  it('passes raw bytes in and out unchanged', async () => {
    const bytes = Buffer.from([0, 1, 2, 250, 255, 10, 13]);
    const response = await fetch(url('/v1/echo/raw'), { method: 'POST', body: bytes });
    expect(response.headers.get('x-length')).toBe('7');
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    expect(Buffer.from(await response.arrayBuffer())).toEqual(Buffer.from([13, 10, 255, 250, 2, 1, 0]));
    const text = await fetch(url('/v1/echo/text'), { method: 'POST', body: 'plain words' });
    expect(await text.text()).toBe('PLAIN WORDS');
  });

  it('returns the status, headers and cookies the function sets, and 204 when it returns nothing', async () => {
    const response = await fetch(url('/v1/created'), { method: 'POST' });
    expect(response.status).toBe(201);
    expect(response.headers.get('location')).toBe('/v1/items/7');
    expect(response.headers.get('x-request-kind')).toBe('create');
    expect(response.headers.getSetCookie()).toEqual(['session=abc; Path=/; HttpOnly; SameSite=Strict']);
    expect(await response.json()).toEqual({ id: 7 });
    expect((await fetch(url('/v1/nothing'))).status).toBe(204);
  });

  it('answers 404 for unknown routes', async () => {
    expect((await fetch(url('/v1/unknown/route'))).status).toBe(404);
    expect((await fetch(url('/'))).status).toBe(404);
  });

  it('answers 500 for a throwing function, logs the error, and keeps serving', async () => {
    const failed = await fetch(url('/v1/boom'));
    expect(failed.status).toBe(500);
    await host.waitForOutput(/boom: about to fail/, 5_000);
    await host.waitForOutput(
      /boom: Executed 'Functions.boom' \(Failed\): Error: kaboom from the fixture/,
      5_000,
    );
    await expect(getJson('/v1/items/1')).resolves.toMatchObject({ status: 200, body: { kind: 'int' } });
  });

  it('runs the app hooks like the worker: appStart, preInvocation may wrap the handler, postInvocation may replace the result or clear the error', async () => {
    const hooked = await fetch(url('/v1/hooked'));
    expect(hooked.headers.get('x-post')).toBe('ran');
    expect(await hooked.json()).toEqual({ handler: true, appStart: 'started', wrapped: true });
    const rescued = await fetch(url('/v1/rescued'));
    expect(rescued.status).toBe(202);
    expect(await rescued.text()).toBe('rescued from: handler failed');
  });

  describe("Azure's 100 MB request limit", () => {
    const LIMIT = 104_857_600;
    /** Sends a POST with the given headers, then body chunks while the server keeps reading; resolves with the status. */
    const post = (headers: Record<string, string | number>, chunks: number, chunk: Buffer) =>
      new Promise<{ status: number; body: string; sent: number }>((resolve, reject) => {
        const target = new URL(url('/v1/echo/raw'));
        let sent = 0;
        const request = http.request(
          { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers },
          (response) => {
            let body = '';
            response.setEncoding('utf8');
            response.on('data', (text: string) => (body += text));
            response.on('end', () => resolve({ status: response.statusCode ?? 0, body, sent }));
          },
        );
        request.on('error', reject);
        const pump = () => {
          while (sent < chunks) {
            sent += 1;
            if (!request.write(chunk)) return void request.once('drain', pump);
          }
          request.end();
        };
        pump();
      });

    it('answers 413 to a declared length past 100 MB without reading the body or running the function', async () => {
      const answer = await post({ 'content-length': LIMIT + 1 }, 1, Buffer.alloc(1024));
      expect(answer.status).toBe(413);
      expect(answer.body).toContain('100 MB');
    });

    it('answers 413 to a chunked body once it passes 100 MB, and serves the next request', async () => {
      const answer = await post({ 'transfer-encoding': 'chunked' }, 102, Buffer.alloc(1024 * 1024));
      expect(answer.status).toBe(413);
      expect(host.output.join('\n')).not.toMatch(/echoRaw.*Failed/);
      const small = await fetch(url('/v1/echo/raw'), { method: 'POST', body: 'ok' });
      expect(small.status).toBe(200);
    }, 30_000);
  });
});
