import { HttpRequest, InvocationContext } from '@azure/functions';
import {
  ArgumentInvalidError,
  DeviceNotFoundError,
  errorResponse,
  iothubHandler,
  jsonResponse,
  legacyTimestamp,
  pageHeaders,
  readIfMatch,
  readJsonObject,
  readPageRequest,
  SasAuthorizer,
  ThrottlingError,
  createSasToken,
  toErrorResponse,
  wireErrorOf,
} from '../../../../shared/http';
import { JobNotFoundError } from '../../../../shared/jobs/core/job-errors';

describe('IoT Hub wire format', () => {
  it('formats the legacy error body the SDKs parse, with the iothub-errorcode header', () => {
    const response = errorResponse(
      404,
      'DeviceNotFound',
      'Device x not registered; really',
      new Date(Date.UTC(2026, 0, 5, 7, 8, 9)),
    );
    expect(response.status).toBe(404);
    expect(response.headers).toEqual({
      'Content-Type': 'application/json; charset=utf-8',
      'iothub-errorcode': 'DeviceNotFound',
    });
    const body = JSON.parse(response.body ?? '') as { Message: string; ExceptionMessage: string };
    expect(body.Message).toBe('ErrorCode:DeviceNotFound;Device x not registered, really');
    expect(body.ExceptionMessage).toMatch(/^Tracking ID:[0-9A-F]{32}-G:0-TimeStamp:01\/05\/2026 07:08:09$/);
    const parts = body.Message.split(';');
    expect(parts[0]?.split(':')[1]).toBe('DeviceNotFound');
  });

  it('writes timestamps as MM/dd/yyyy HH:mm:ss UTC', () => {
    expect(legacyTimestamp(new Date(Date.UTC(2026, 11, 31, 23, 59, 58)))).toBe('12/31/2026 23:59:58');
  });

  it('answers JSON with charset utf-8', () => {
    expect(jsonResponse(200, { a: 1 }, { 'x-ms-item-type': 'Twin' })).toEqual({
      status: 200,
      headers: { 'Content-Type': 'application/json; charset=utf-8', 'x-ms-item-type': 'Twin' },
      body: '{"a":1}',
    });
  });

  it('maps the known error classes only: a foreign error carrying a code is no wire error', () => {
    expect(wireErrorOf(new DeviceNotFoundError('d1'))).toEqual({
      code: 'DeviceNotFound',
      status: 404,
      message: 'Device d1 not registered.',
    });
    expect(wireErrorOf(new JobNotFoundError('j1'))).toEqual({
      code: 'JobNotFound',
      status: 404,
      message: "Job 'j1' was not found.",
    });
    expect(wireErrorOf(new ThrottlingError('slow down', 7))).toEqual({
      code: 'ThrottlingException',
      status: 429,
      message: 'slow down',
      retryAfterSeconds: 7,
    });
    // An SDK's or a library's error may carry an IoT Hub-looking code, a status and an internal message.
    const foreign = Object.assign(new Error('table jobs: row 17 at 10.0.0.4'), {
      code: 'JobNotFound',
      status: 404,
    });
    expect(wireErrorOf(foreign)).toBeUndefined();
    expect(wireErrorOf(Object.assign(new Error('x'), { code: 'ENOENT' }))).toBeUndefined();
    expect(wireErrorOf('text')).toBeUndefined();
  });

  it('answers anything unknown as a 500 ServerError with a tracking id, logged with the real error only', () => {
    const logged: string[] = [];
    const context = { error: (message: string) => logged.push(message) } as unknown as InvocationContext;
    const secret = Object.assign(new Error('connect ECONNREFUSED 10.0.0.4:10002 (AccountKey=abc)'), {
      code: 'PreconditionFailed',
      status: 412,
    });
    const response = toErrorResponse(secret, context);
    expect(response.status).toBe(500);
    expect(response.headers['iothub-errorcode']).toBe('ServerError');
    const body = JSON.parse(response.body ?? '{}') as { Message: string; ExceptionMessage: string };
    expect(body.Message).toBe('ErrorCode:ServerError;An internal error occurred.');
    const [, trackingId] = /^Tracking ID:([0-9A-F]{32})-G:0-TimeStamp:/.exec(body.ExceptionMessage) ?? [];
    expect(trackingId).toBeDefined();
    expect(response.body).not.toContain('ECONNREFUSED');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain(`tracking id ${trackingId}`);
    expect(logged[0]).toContain('ECONNREFUSED 10.0.0.4');
  });

  it('reads paging headers, falls back to the preview query parameters, and caps the page size', () => {
    const headers = new Headers({ 'x-ms-max-item-count': '500', 'x-ms-continuation': 'abc' });
    expect(readPageRequest(headers, new URLSearchParams(), { defaultSize: 100, maxSize: 100 })).toEqual({
      maxItems: 100,
      continuationToken: 'abc',
    });
    const preview = new URLSearchParams({ pageSize: '7', continuationToken: 'tok' });
    expect(readPageRequest(new Headers(), preview, { defaultSize: 100, maxSize: 100 })).toEqual({
      maxItems: 7,
      continuationToken: 'tok',
    });
    expect(() =>
      readPageRequest(new Headers({ 'x-ms-max-item-count': 'zero' }), new URLSearchParams(), {
        defaultSize: 1,
        maxSize: 1,
      }),
    ).toThrow(ArgumentInvalidError);
  });

  it('sends x-ms-continuation only when another page exists', () => {
    expect(pageHeaders('Twin', undefined)).toEqual({ 'x-ms-item-type': 'Twin' });
    expect(pageHeaders('Twin', '')).toEqual({ 'x-ms-item-type': 'Twin' });
    expect(pageHeaders('Twin', 'next')).toEqual({ 'x-ms-item-type': 'Twin', 'x-ms-continuation': 'next' });
  });

  it('rejects malformed JSON and non-objects with ArgumentInvalid', async () => {
    const body = (text: string) => ({
      arrayBuffer: () => Promise.resolve(new Uint8Array(Buffer.from(text)).buffer),
    });
    await expect(readJsonObject(body('{"a":1}'))).resolves.toEqual({ a: 1 });
    await expect(readJsonObject(body('{"a":'))).rejects.toThrow(/not valid JSON/);
    await expect(readJsonObject(body('[1]'), 'twin')).rejects.toThrow(
      new ArgumentInvalidError('The twin must be a JSON object.'),
    );
    await expect(readJsonObject(body('null'))).rejects.toThrow('The request body must be a JSON object.');
    await expect(readJsonObject(body(''))).rejects.toThrow(ArgumentInvalidError);
  });

  it('reads If-Match with quotes, weak prefixes and the wildcard', () => {
    const etag = (value: string) => ({ kind: 'etag', etag: value });
    expect(readIfMatch(new Headers({ 'If-Match': '"AAAAAAAAAAE="' }))).toEqual(etag('AAAAAAAAAAE='));
    expect(readIfMatch(new Headers({ 'If-Match': 'W/"abc"' }))).toEqual(etag('abc'));
    expect(readIfMatch(new Headers({ 'If-Match': '*' }))).toEqual({ kind: 'any' });
    expect(readIfMatch(new Headers({ 'If-Match': '"*"' }))).toEqual({ kind: 'any' });
    expect(readIfMatch(new Headers())).toEqual({ kind: 'none' });
  });
});

describe('iothubHandler', () => {
  const policy = { name: 'svc', key: Buffer.alloc(32, 1).toString('base64') };
  const authorizer = new SasAuthorizer([{ ...policy, rights: ['ServiceConnect'] }], 'localhost');
  const token = createSasToken('localhost', policy, Math.ceil(Date.now() / 1000) + 60);
  const context = new InvocationContext({ functionName: 'test', logHandler: () => undefined });
  const request = (authorization?: string) =>
    new HttpRequest({
      method: 'GET',
      url: 'http://localhost/twins/a',
      headers: authorization ? { authorization } : {},
    });

  it('runs the use case for an authorized caller', async () => {
    const handler = iothubHandler({
      rights: { allOf: ['ServiceConnect'] },
      authorizer: () => authorizer,
      handle: () => Promise.resolve(jsonResponse(200, { ok: true })),
    });
    const response = await handler(request(token), context);
    expect(response.status).toBe(200);
    expect(response.body).toBe('{"ok":true}');
    expect(response.headers).toMatchObject({
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
  });

  it('answers 401 IotHubUnauthorizedAccess without running the use case', async () => {
    const handle = jest.fn();
    const handler = iothubHandler({
      rights: { allOf: ['RegistryWrite'] },
      authorizer: () => authorizer,
      handle,
    });
    const response = await handler(request(token), context);
    expect(response.status).toBe(401);
    expect(response.headers).toMatchObject({
      'iothub-errorcode': 'IotHubUnauthorizedAccess',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    expect(handle).not.toHaveBeenCalled();
  });

  it('maps domain errors and hides unexpected ones behind a 500', async () => {
    const failing = (error: Error) =>
      iothubHandler({
        rights: { allOf: [] },
        authorizer: () => authorizer,
        handle: () => Promise.reject(error),
      });
    const notFound = await failing(new DeviceNotFoundError('a'))(request(token), context);
    expect(notFound.status).toBe(404);
    const crash = await failing(new Error('secret stack detail'))(request(token), context);
    expect(crash.status).toBe(500);
    expect(crash.body as string).not.toContain('secret');
  });
});
