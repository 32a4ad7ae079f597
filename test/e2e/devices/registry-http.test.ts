import { createSasToken } from '../../../shared/http/sas-authorizer';
import { samplePolicy, startDeviceHost, type DeviceHost } from './device-host';

const reader = { name: 'registryRead', key: Buffer.alloc(32, 42).toString('base64') };
let running: DeviceHost;

beforeAll(async () => {
  const owner = samplePolicy();
  running = await startDeviceHost({
    JOBS_ACCESS_POLICIES: JSON.stringify([
      { ...owner, rights: ['RegistryRead', 'RegistryWrite', 'ServiceConnect'] },
      { ...reader, rights: ['RegistryRead'] },
    ]),
    SIMULATION_DEFAULT_PROFILE: '{"latencyMs":0}',
  });
}, 90_000);

afterAll(async () => {
  await running?.host.stop();
});

const expiry = () => Math.ceil(Date.now() / 1000) + 600;

async function call(
  method: string,
  path: string,
  body?: string,
  options: { policy?: { name: string; key: string }; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; json: unknown }> {
  const response = await fetch(`http://127.0.0.1:${running.port}${path}?api-version=2021-04-12`, {
    method,
    headers: {
      Authorization: createSasToken('localhost', options.policy ?? samplePolicy(), expiry()),
      'Content-Type': 'application/json; charset=utf-8',
      ...options.headers,
    },
    body,
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    json: text ? (JSON.parse(text) as unknown) : undefined,
  };
}

function errorCode(result: { headers: Headers; json: unknown }): string | null {
  return result.headers.get('iothub-errorcode');
}

describe('registry endpoints over plain HTTP', () => {
  it('answers JSON with charset utf-8 and refuses malformed bodies with ArgumentInvalid', async () => {
    const created = await call('PUT', '/devices/http-1', '{"deviceId":"http-1"}');
    expect(created.status).toBe(200);
    expect(created.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const malformed = await call('PUT', '/devices/http-2', '{"deviceId":');
    expect(malformed.status).toBe(400);
    expect(errorCode(malformed)).toBe('ArgumentInvalid');
    expect((malformed.json as { Message: string }).Message).toMatch(
      /^ErrorCode:ArgumentInvalid;.*not valid JSON/,
    );
    const reported = await call('PATCH', '/twins/http-1', '{"properties":{"reported":{"x":1}}}');
    expect(reported.status).toBe(400);
    const query = await call('POST', '/devices/query', '{"q":1}');
    expect(errorCode(query)).toBe('ArgumentInvalid');
  });

  it('replaces a twin with PUT and honours If-Match', async () => {
    await call('PATCH', '/twins/http-1', '{"tags":{"a":1,"b":2},"properties":{"desired":{"x":1}}}');
    const twin = await call('GET', '/twins/http-1');
    const etag = (twin.json as { etag: string }).etag;
    const replaced = await call('PUT', '/twins/http-1', '{"tags":{"c":3}}', {
      headers: { 'If-Match': `"${etag}"` },
    });
    expect(replaced.status).toBe(200);
    expect(replaced.json).toMatchObject({ tags: { c: 3 }, properties: { desired: { $version: 3 } } });
    expect((replaced.json as { properties: { desired: object } }).properties.desired).not.toHaveProperty('x');
    const stale = await call('PUT', '/twins/http-1', '{"tags":{}}', { headers: { 'If-Match': `"${etag}"` } });
    expect(stale.status).toBe(412);
    expect(errorCode(stale)).toBe('PreconditionFailed');
  });

  it('keeps non-ASCII text intact through large bodies', async () => {
    const tags = { name: 'é😀漢'.repeat(400), plain: 'x'.repeat(2000) };
    const patched = await call('PATCH', '/twins/http-1', JSON.stringify({ tags }));
    expect(patched.status).toBe(200);
    const twin = await call('GET', '/twins/http-1');
    expect((twin.json as { tags: object }).tags).toMatchObject(tags);
  });

  it('enforces rights per endpoint', async () => {
    expect((await call('GET', '/devices/http-1', undefined, { policy: reader })).status).toBe(200);
    expect((await call('GET', '/twins/http-1', undefined, { policy: reader })).status).toBe(200);
    expect(
      (await call('POST', '/devices/query', '{"query":"SELECT * FROM devices"}', { policy: reader })).status,
    ).toBe(200);
    for (const [method, path, body] of [
      ['PUT', '/devices/http-3', '{}'],
      ['DELETE', '/devices/http-1', undefined],
      ['POST', '/devices', '[{"id":"x","importMode":"create"}]'],
      ['PATCH', '/twins/http-1', '{"tags":{"z":1}}'],
      ['POST', '/twins/http-1/methods', '{"methodName":"reboot"}'],
    ] as const) {
      const denied = await call(method, path, body, { policy: reader });
      expect([method, path, denied.status, errorCode(denied)]).toEqual([
        method,
        path,
        401,
        'IotHubUnauthorizedAccess',
      ]);
    }
    const expired = await fetch(`http://127.0.0.1:${running.port}/devices/http-1`, {
      headers: {
        Authorization: createSasToken('localhost', samplePolicy(), Math.floor(Date.now() / 1000) - 1),
      },
    });
    expect(expired.status).toBe(401);
  });

  it('pages a query with x-ms-continuation only while more rows exist', async () => {
    const bulk = await call(
      'POST',
      '/devices',
      JSON.stringify(
        Array.from({ length: 5 }, (_, i) => ({
          id: `page-${i}`,
          importMode: 'create',
          tags: { paged: true },
        })),
      ),
    );
    expect(bulk.json).toEqual({ isSuccessful: true, errors: [], warnings: [] });
    const body = '{"query":"SELECT deviceId FROM devices WHERE tags.paged = true"}';
    const first = await call('POST', '/devices/query', body, { headers: { 'x-ms-max-item-count': '3' } });
    expect(first.headers.get('x-ms-item-type')).toBe('Twin');
    const continuation = first.headers.get('x-ms-continuation');
    expect(continuation).toBeTruthy();
    const second = await call('POST', '/devices/query', body, {
      headers: { 'x-ms-max-item-count': '3', 'x-ms-continuation': continuation ?? '' },
    });
    expect(second.headers.get('x-ms-continuation')).toBeNull();
    const ids = [...(first.json as { deviceId: string }[]), ...(second.json as { deviceId: string }[])].map(
      (r) => r.deviceId,
    );
    expect(ids.sort()).toEqual(['page-0', 'page-1', 'page-2', 'page-3', 'page-4']);
  });
});
