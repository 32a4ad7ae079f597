import { MAX_BODY_BYTES, MAX_JSON_DEPTH } from '../../../shared/http';
import { MAX_QUERY_LENGTH } from '../../../shared/query';
import { ownerToken, seedFleet, startJobsHost, type JobsHost } from '../jobs/jobs-host';

/**
 * Requests built to break parsers, against every endpoint family (jobs, devices, twins, methods, queries): each must
 * answer a 4xx in IoT Hub's error format (never a 5xx), and a refused write must leave nothing behind.
 */

let host: JobsHost;
const FLEET = 2000;

beforeAll(async () => {
  host = await startJobsHost({ SIMULATION_DEFAULT_PROFILE: '{"latencyMs":0}' });
  await seedFleet(
    host,
    Array.from({ length: FLEET }, (_, i) => ({
      id: `hostile-${String(i).padStart(4, '0')}`,
      tags: { building: String(i % 50), floor: i % 8 },
      ...(i === 0 ? { simulation: { methods: JSON.parse('{"__proto__":{"status":207}}') as unknown } } : {}),
    })),
  );
}, 180_000);

afterAll(async () => {
  await host?.stop();
});

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  ms: number;
}

async function send(
  method: string,
  path: string,
  body?: string | Uint8Array,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const started = performance.now();
  const separator = path.includes('?') ? '&' : '?';
  const response = await fetch(`${host.running.host.baseUrl}${path}${separator}api-version=2021-04-12`, {
    method,
    headers: { Authorization: await ownerToken(), 'Content-Type': 'application/json', ...headers },
    body,
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, ms: performance.now() - started };
}

/** Asserts IoT Hub's legacy error body and header for `code`, and returns the message text. */
function expectIotHubError(answer: Answer, status: number, code: string): string {
  expect({ status: answer.status, code: answer.headers.get('iothub-errorcode') }).toEqual({ status, code });
  const body = JSON.parse(answer.text) as { Message: string; ExceptionMessage: string };
  expect(body.Message.startsWith(`ErrorCode:${code};`)).toBe(true);
  expect(body.ExceptionMessage).toMatch(/^Tracking ID:[0-9A-F]{32}-G:0-TimeStamp:/);
  return body.Message;
}

const nested = (depth: number, leaf = '1') => '['.repeat(depth) + leaf + ']'.repeat(depth);
const invalidUtf8 = (before: string, after: string) =>
  new Uint8Array(Buffer.concat([Buffer.from(before), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(after)]));
const orChain = (length: number) => {
  let text = "tags.building = 'x0'";
  for (let index = 1; text.length < length; index++) text += ` OR tags.building = 'x${index}'`;
  return text;
};
const methodJob = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    type: 'scheduleDeviceMethod',
    queryCondition: "tags.building = '7'",
    cloudToDeviceMethod: { methodName: 'reboot', payload: {} },
    ...extra,
  });

type Case = [name: string, method: string, path: string, body: string | Uint8Array | undefined, code: string];

const ARGUMENT_INVALID: Case[] = [
  // jobs
  [
    'a method payload nested 2,000 deep in a job',
    'PUT',
    '/jobs/v2/deep-job',
    `{"type":"scheduleDeviceMethod","queryCondition":"*","cloudToDeviceMethod":{"methodName":"m","payload":${nested(2000)}}}`,
    'ArgumentInvalid',
  ],
  [
    'a job of type __proto__ with updateTwin',
    'PUT',
    '/jobs/v2/proto-type',
    '{"type":"__proto__","queryCondition":"*","updateTwin":{"tags":{"a":1}}}',
    'ArgumentInvalid',
  ],
  [
    'a job of type constructor',
    'PUT',
    '/jobs/v2/ctor-type',
    methodJob({ type: 'constructor' }),
    'ArgumentInvalid',
  ],
  [
    'a twin job whose only change is a __proto__ tag',
    'PUT',
    '/jobs/v2/proto-tag',
    '{"type":"scheduleUpdateTwin","queryCondition":"*","updateTwin":{"tags":{"__proto__":{"x":1}}}}',
    'ArgumentInvalid',
  ],
  [
    'a 100 KB queryCondition',
    'PUT',
    '/jobs/v2/long-condition',
    methodJob({ queryCondition: orChain(100_000) }),
    'ArgumentInvalid',
  ],
  [
    'a startTime of 30 February',
    'PUT',
    '/jobs/v2/feb-30',
    methodJob({ startTime: '2026-02-30T00:00:00Z' }),
    'ArgumentInvalid',
  ],
  [
    'a job body that is not UTF-8',
    'PUT',
    '/jobs/v2/bad-utf8',
    invalidUtf8('{"type":"', '"}'),
    'ArgumentInvalid',
  ],
  ['a job body that is a JSON array', 'PUT', '/jobs/v2/array-body', '[]', 'ArgumentInvalid'],
  ['a job body that is cut off', 'PUT', '/jobs/v2/cut-body', '{"type":"schedule', 'ArgumentInvalid'],
  ['a job body that is empty', 'PUT', '/jobs/v2/empty-body', '', 'ArgumentInvalid'],
  [
    'a job body of a lone surrogate escape in a name',
    'PUT',
    '/jobs/v2/surrogate',
    methodJob({ cloudToDeviceMethod: { methodName: '\ud800' } }),
    'ArgumentInvalid',
  ],
  [
    'a job listing filtered by jobType __proto__',
    'GET',
    '/jobs/v2/query?jobType=__proto__',
    undefined,
    'ArgumentInvalid',
  ],
  [
    'a job listing filtered by jobType constructor',
    'GET',
    '/jobs/v2/query?jobType=constructor',
    undefined,
    'ArgumentInvalid',
  ],
  [
    'a job listing filtered by jobStatus toString',
    'GET',
    '/jobs/v2/query?jobStatus=toString',
    undefined,
    'ArgumentInvalid',
  ],
  // devices
  [
    'a device identity nested 10,000 deep',
    'PUT',
    '/devices/deep-device',
    `{"capabilities":${nested(10_000)}}`,
    'ArgumentInvalid',
  ],
  [
    'a device identity that is not UTF-8',
    'PUT',
    '/devices/utf8-device',
    invalidUtf8('{"statusReason":"', '"}'),
    'ArgumentInvalid',
  ],
  [
    'an authentication type __proto__',
    'PUT',
    '/devices/proto-auth',
    '{"authentication":{"type":"__proto__"}}',
    'ArgumentInvalid',
  ],
  [
    'a device status constructor',
    'PUT',
    '/devices/ctor-status',
    '{"status":"constructor"}',
    'ArgumentInvalid',
  ],
  [
    'a bulk import mode __proto__',
    'POST',
    '/devices',
    '[{"id":"bulk-proto","importMode":"__proto__"}]',
    'ArgumentInvalid',
  ],
  [
    'a bulk import with a __proto__ tag',
    'POST',
    '/devices',
    '[{"id":"bulk-tag","importMode":"create","tags":{"__proto__":{"a":1}}}]',
    'ArgumentInvalid',
  ],
  ['a bulk import nested 5,000 deep', 'POST', '/devices', nested(5000), 'ArgumentInvalid'],
  ['a device listing of top=1e400', 'GET', '/devices?top=1e400', undefined, 'ArgumentInvalid'],
  ['a device listing of top=__proto__', 'GET', '/devices?top=__proto__', undefined, 'ArgumentInvalid'],
  // twins
  [
    'a twin patch with a __proto__ tag',
    'PATCH',
    '/twins/hostile-0001',
    '{"tags":{"__proto__":{"x":1}}}',
    'ArgumentInvalid',
  ],
  [
    'a twin patch with a nested __proto__ desired key',
    'PATCH',
    '/twins/hostile-0001',
    '{"properties":{"desired":{"a":{"__proto__":1}}}}',
    'ArgumentInvalid',
  ],
  [
    'a twin patch that is not UTF-8',
    'PATCH',
    '/twins/hostile-0001',
    invalidUtf8('{"tags":{"a":"', '"}}'),
    'ArgumentInvalid',
  ],
  [
    'a twin patch nested 100,000 deep',
    'PATCH',
    '/twins/hostile-0001',
    `{"tags":{"a":${nested(100_000)}}}`,
    'ArgumentInvalid',
  ],
  ['a twin replacement that is a string', 'PUT', '/twins/hostile-0001', '"tags"', 'ArgumentInvalid'],
  // methods
  [
    'a method payload nested 10,000 deep',
    'POST',
    '/twins/hostile-0001/methods',
    `{"methodName":"m","payload":${nested(10_000)}}`,
    'ArgumentInvalid',
  ],
  [
    'a method call that is not UTF-8',
    'POST',
    '/twins/hostile-0001/methods',
    invalidUtf8('{"methodName":"', '"}'),
    'ArgumentInvalid',
  ],
  [
    'a method timeout of 1e400',
    'POST',
    '/twins/hostile-0001/methods',
    '{"methodName":"m","responseTimeoutInSeconds":1e400}',
    'ArgumentInvalid',
  ],
  [
    'a method name of 10,000 characters',
    'POST',
    '/twins/hostile-0001/methods',
    JSON.stringify({ methodName: 'm'.repeat(10_000) }),
    'ArgumentInvalid',
  ],
  // queries
  [
    'a 500 KB OR chain',
    'POST',
    '/devices/query',
    JSON.stringify({ query: `SELECT * FROM devices WHERE ${orChain(500_000)}` }),
    'ArgumentInvalid',
  ],
  ['a query that is a number', 'POST', '/devices/query', '{"query":5}', 'ArgumentInvalid'],
  [
    'a query nested in 3,000 parentheses',
    'POST',
    '/devices/query',
    JSON.stringify({
      query: `SELECT * FROM devices WHERE ${nested(3000, 'x=1').replace(/\[/g, '(').replace(/\]/g, ')')}`,
    }),
    'ArgumentInvalid',
  ],
  [
    'a query body that is not UTF-8',
    'POST',
    '/devices/query',
    invalidUtf8('{"query":"SELECT * FROM devices WHERE tags.a = \'', '\'"}'),
    'ArgumentInvalid',
  ],
  [
    'a query from devices.__proto__',
    'POST',
    '/devices/query',
    '{"query":"SELECT * FROM devices.__proto__"}',
    'ArgumentInvalid',
  ],
  [
    'a query calling constructor()',
    'POST',
    '/devices/query',
    '{"query":"SELECT * FROM devices WHERE constructor(deviceId)"}',
    'ArgumentInvalid',
  ],
];

describe('hostile bodies and query strings answer 400 ArgumentInvalid in IoT Hub format', () => {
  it.each(ARGUMENT_INVALID)('%s', async (_name, method, path, body, code) => {
    expectIotHubError(await send(method, path, body), 400, code);
  });

  it('leaves no job behind for a refused job request', async () => {
    for (const jobId of ['deep-job', 'proto-type', 'proto-tag', 'long-condition', 'feb-30', 'bad-utf8']) {
      expectIotHubError(await send('GET', `/jobs/v2/${jobId}`), 404, 'JobNotFound');
    }
  });

  it('leaves the twin untouched by a refused patch, and keeps keys named like Object.prototype members', async () => {
    const before = JSON.parse((await send('GET', '/twins/hostile-0002')).text) as { version: number };
    expectIotHubError(
      await send('PATCH', '/twins/hostile-0002', '{"tags":{"__proto__":{"x":1}}}'),
      400,
      'ArgumentInvalid',
    );
    const after = JSON.parse((await send('GET', '/twins/hostile-0002')).text) as { version: number };
    expect(after.version).toBe(before.version);
    const patched = await send(
      'PATCH',
      '/twins/hostile-0002',
      '{"tags":{"constructor":"c","toString":{"valueOf":1}}}',
    );
    expect(patched.status).toBe(200);
    const query = await send(
      'POST',
      '/devices/query',
      JSON.stringify({
        query: "SELECT deviceId AS __proto__, tags.toString FROM devices WHERE tags.constructor = 'c'",
      }),
    );
    expect(query.text).toBe('[{"__proto__":"hostile-0002","toString":{"valueOf":1}}]');
  });
});

describe('hostile sizes and headers', () => {
  it(`refuses bodies over the cap with 413 RequestEntityTooLarge`, async () => {
    const big = JSON.stringify({ tags: { a: 'x'.repeat(MAX_BODY_BYTES.standard) } });
    expectIotHubError(await send('PATCH', '/twins/hostile-0003', big), 413, 'RequestEntityTooLarge');
    const deepButAllowed = `{"methodName":"m","payload":${nested(MAX_JSON_DEPTH - 1)}}`;
    expect((await send('POST', '/twins/hostile-0003/methods', deepButAllowed)).status).toBe(200);
  });

  it.each([
    ['x-ms-max-item-count', '1e400'],
    ['x-ms-max-item-count', '-1'],
    ['x-ms-max-item-count', '__proto__'],
    ['x-ms-continuation', '!!not-base64!!'],
    ['x-ms-continuation', Buffer.from('{"__proto__":{"returned":1}}').toString('base64url')],
  ])('refuses a twin query with %s: %s', async (name, value) => {
    const answer = await send('POST', '/devices/query', '{"query":"SELECT * FROM devices"}', {
      [name]: value,
    });
    expectIotHubError(answer, 400, 'ArgumentInvalid');
  });

  it.each([
    ['garbage', 'SharedAccessSignature sr=&sig=&se=&skn=__proto__'],
    ['a policy named constructor', 'SharedAccessSignature sr=localhost&sig=x&se=99999999999&skn=constructor'],
    ['duplicated fields', 'SharedAccessSignature sr=a&sr=b&sig=x&se=1&skn=iothubowner'],
    ['percent garbage', 'SharedAccessSignature sr=%E0%A4%A&sig=%ZZ&se=1&skn=%'],
  ])('answers 401 to an Authorization header of %s', async (_name, authorization) => {
    const answer = await send('GET', '/twins/hostile-0001', undefined, { Authorization: authorization });
    expectIotHubError(answer, 401, 'IotHubUnauthorizedAccess');
  });

  it('answers a method named __proto__ from the device profile that defines it, and 404 for a device named so', async () => {
    const answer = await send('POST', '/twins/hostile-0000/methods', '{"methodName":"__proto__"}');
    expect(JSON.parse(answer.text)).toEqual({ status: 207, payload: null });
    expectIotHubError(
      await send('POST', '/twins/__proto__/methods', '{"methodName":"m"}'),
      404,
      'DeviceNotFound',
    );
    expectIotHubError(await send('POST', '/jobs/v2/__proto__/cancel'), 404, 'JobNotFound');
  });
});

describe('ids that no job or schedule can have, on every entry point', () => {
  it.each([
    ['GET', '/jobs/v2/a%23b'],
    ['POST', '/jobs/v2/a%23b/cancel'],
    ['POST', '/jobs/v2/a%23b/rerun'],
    ['POST', '/jobs/v2/a%23b/pause'],
    ['POST', '/jobs/v2/a%23b/resume'],
    ['GET', `/jobs/v2/${'x'.repeat(129)}`],
    ['GET', '/jobSchedules/a%23b'],
    ['DELETE', '/jobSchedules/a%23b'],
    ['GET', "/jobSchedules/a'b"],
  ])('%s %s answers 400 ArgumentInvalid, never a 500 from storage', async (method, path) => {
    const body = method === 'POST' && path.endsWith('rerun') ? JSON.stringify({ jobId: 'child' }) : undefined;
    expectIotHubError(await send(method, path, body), 400, 'ArgumentInvalid');
  });

  it.each([
    ['GET', '/jobs/a%23b'],
    ['DELETE', '/jobs/a%23b'],
  ])(
    '%s %s (an import/export job) answers 404 JobNotFound, never a 500 from storage',
    async (method, path) => {
      expectIotHubError(await send(method, path), 404, 'JobNotFound');
    },
  );

  it('answers every API response with no-store and nosniff, errors included', async () => {
    for (const answer of [await send('GET', '/jobs/v2/query'), await send('GET', '/jobs/v2/a%23b')]) {
      expect(answer.headers.get('cache-control')).toBe('no-store');
      expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });
});

describe('a big query does not hold up other requests', () => {
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

  async function smallRequestsWhile(work: Promise<Answer> | undefined, count: number): Promise<number[]> {
    const latencies: number[] = [];
    let done = false;
    void work?.then(() => (done = true));
    while (work ? !done : latencies.length < count)
      latencies.push((await send('GET', '/twins/hostile-0004')).ms);
    return latencies;
  }

  it(`scans ${FLEET} twins with a ${MAX_QUERY_LENGTH}-character condition while small reads stay quick`, async () => {
    const query = `SELECT * FROM devices WHERE ${orChain(MAX_QUERY_LENGTH - 40)}`;
    expect(query.length).toBeLessThanOrEqual(MAX_QUERY_LENGTH);
    const idle = await smallRequestsWhile(undefined, 15);
    const big = send('POST', '/devices/query', JSON.stringify({ query }), { 'x-ms-max-item-count': '1000' });
    const during = await smallRequestsWhile(big, 0);
    const answer = await big;
    expect(answer.status).toBe(200);
    expect(answer.text).toBe('[]');
    // The scan is real work (a long query over every twin), and reads sent meanwhile wait little more than usual.
    expect(during.length).toBeGreaterThanOrEqual(3);
    expect(median(during)).toBeLessThan(median(idle) + 100);
    expect(Math.max(...during)).toBeLessThan(500);
  }, 60_000);
});
