import { startAzurite, type RunningAzurite } from '../../../packages/func-local/storage/azurite';
import { startDeviceHost, type DeviceHost } from '../devices/device-host';
import { ownerToken } from '../jobs/jobs-host';

/** The app with its storage gone: every endpoint answers a prompt 503 that says so, never a bare 500. */

let azurite: RunningAzurite;
let running: DeviceHost;

beforeAll(async () => {
  azurite = await startAzurite({ inMemory: true });
  running = await startDeviceHost({ AzureWebJobsStorage: azurite.connectionString });
}, 90_000);

afterAll(async () => {
  // With its storage gone the host cannot finish its work in order: end it outright.
  await running?.host.kill();
  await azurite?.stop();
});

async function send(method: string, path: string, body?: string) {
  const started = performance.now();
  const response = await fetch(`${running.host.baseUrl}${path}?api-version=2021-04-12`, {
    method,
    headers: { Authorization: await ownerToken(), 'Content-Type': 'application/json' },
    body,
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, ms: performance.now() - started };
}

const JOB = '{"type":"scheduleDeviceMethod","queryCondition":"*","cloudToDeviceMethod":{"methodName":"m"}}';

describe('a storage outage', () => {
  it('answers 503 ServiceUnavailable with Retry-After within a couple of seconds on every endpoint family', async () => {
    expect((await send('PUT', '/devices/outage-1', '{}')).status).toBe(200);
    expect((await send('GET', '/jobs/v2/query')).status).toBe(200);
    await azurite.stop();

    const requests: [string, string, string?][] = [
      ['GET', '/twins/outage-1'],
      ['PATCH', '/twins/outage-1', '{"tags":{"a":1}}'],
      ['PUT', '/devices/outage-2', '{}'],
      ['POST', '/devices', '[{"id":"outage-3","importMode":"create"}]'],
      ['POST', '/twins/outage-1/methods', '{"methodName":"m"}'],
      ['POST', '/devices/query', '{"query":"SELECT * FROM devices"}'],
      ['GET', '/jobs/v2/outage-job'],
      ['PUT', '/jobs/v2/outage-job', JOB],
      ['GET', '/jobs/v2/query'],
    ];
    for (const [method, path, body] of requests) {
      const answer = await send(method, path, body);
      expect({ request: `${method} ${path}`, status: answer.status }).toEqual({
        request: `${method} ${path}`,
        status: 503,
      });
      expect(answer.headers.get('iothub-errorcode')).toBe('ServiceUnavailable');
      expect(answer.headers.get('retry-after')).toBe('5');
      expect((JSON.parse(answer.text) as { Message: string }).Message).toMatch(
        /^ErrorCode:ServiceUnavailable;Storage is unreachable \(.+\): the request was not carried out\. Retry later\.$/,
      );
      expect(answer.ms).toBeLessThan(2500);
    }
  }, 60_000);
});
