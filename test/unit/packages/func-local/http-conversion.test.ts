import {
  fromRpcHttpResponse,
  toRpcHttpRequest,
  toSetCookie,
} from '../../../../packages/func-local/triggers/http/http-conversion';

describe('HTTP conversion', () => {
  it('renders every cookie attribute the worker carries', () => {
    expect(
      toSetCookie({
        name: 'id',
        value: 'a3fWa',
        domain: { value: 'example.com' },
        path: { value: '/docs' },
        expires: { value: { seconds: 1_700_000_000 } },
        maxAge: { value: 3600 },
        secure: { value: true },
        httpOnly: { value: true },
        sameSite: 'explicitNone',
      }),
    ).toBe(
      'id=a3fWa; Domain=example.com; Path=/docs; Expires=Tue, 14 Nov 2023 22:13:20 GMT; Max-Age=3600; Secure; HttpOnly; SameSite=None',
    );
    expect(toSetCookie({ name: 'plain', value: '1', sameSite: 'none' })).toBe('plain=1');
  });

  it('turns the worker response into status, headers, Set-Cookie and body', () => {
    expect(
      fromRpcHttpResponse({
        http: {
          statusCode: '418',
          headers: { 'content-type': 'text/plain' },
          cookies: [{ name: 'a', value: 'b', sameSite: 'lax' }],
          body: { bytes: Buffer.from('teapot') },
        },
      }),
    ).toEqual({
      status: 418,
      headers: { 'content-type': 'text/plain', 'set-cookie': ['a=b; SameSite=Lax'] },
      body: Buffer.from('teapot'),
    });
  });

  it('answers 204 when the function returned nothing', () => {
    expect(fromRpcHttpResponse(undefined)).toEqual({ status: 204 });
    expect(fromRpcHttpResponse(null)).toEqual({ status: 204 });
  });

  it('passes the request with its route values and leaves the query to the URL', () => {
    const data = toRpcHttpRequest(
      {
        method: 'POST',
        url: new URL('http://localhost:7071/api/x/1?a=1&a=2'),
        headers: { 'content-type': 'application/json' },
        body: Buffer.from('{"k":1}'),
      },
      { id: '1' },
    );
    expect(data.http).toEqual({
      method: 'POST',
      url: 'http://localhost:7071/api/x/1?a=1&a=2',
      headers: { 'content-type': 'application/json' },
      params: { id: '1' },
      body: { bytes: Buffer.from('{"k":1}') },
    });
    const empty = toRpcHttpRequest(
      { method: 'GET', url: new URL('http://h/'), headers: {}, body: Buffer.alloc(0) },
      {},
    );
    expect(empty.http?.body).toBeNull();
  });
});
