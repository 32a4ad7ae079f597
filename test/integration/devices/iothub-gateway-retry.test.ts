import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { IotHubDeviceGateway } from '../../../shared/devices/iothub/iothub-gateway';

/** A stand-in hub over real HTTP: answers 429 with Retry-After (or 503) first, then success. */
function flakyHub(failures: { status: number; headers?: Record<string, string> }[]) {
  const seen: { method: string; url: string; at: number }[] = [];
  const server = http.createServer((request, response) => {
    seen.push({ method: request.method ?? '', url: request.url ?? '', at: Date.now() });
    request.resume();
    const failure = failures.shift();
    const json = { 'Content-Type': 'application/json; charset=utf-8' };
    if (failure) {
      response.writeHead(failure.status, { ...json, ...failure.headers });
      response.end(
        JSON.stringify({ Message: 'ErrorCode:ThrottlingException;slow down', ExceptionMessage: '' }),
      );
      return;
    }
    response.writeHead(200, json);
    response.end(JSON.stringify({ status: 200, payload: { ok: true } }));
  });
  return { server, seen };
}

async function gatewayTo(hub: ReturnType<typeof flakyHub>): Promise<IotHubDeviceGateway> {
  await new Promise<void>((resolve) => hub.server.listen(0, '127.0.0.1', resolve));
  const port = (hub.server.address() as AddressInfo).port;
  const key = Buffer.alloc(32, 5).toString('base64');
  return new IotHubDeviceGateway({
    connectionString: `HostName=localhost;SharedAccessKeyName=svc;SharedAccessKey=${key}`,
    plainHttpPort: port,
  });
}

describe('IotHubDeviceGateway retries', () => {
  it('retries 429 after Retry-After and 503 with back-off, through the real SDK', async () => {
    const hub = flakyHub([{ status: 429, headers: { 'Retry-After': '1' } }, { status: 503 }]);
    const gateway = await gatewayTo(hub);
    try {
      const result = await gateway.invokeMethod('d1', {
        methodName: 'reboot',
        payload: null,
        responseTimeoutInSeconds: 5,
        connectTimeoutInSeconds: 0,
      });
      expect(result).toEqual({ status: 200, payload: { ok: true } });
      expect(hub.seen).toHaveLength(3);
      expect(
        hub.seen.every((call) => call.method === 'POST' && call.url.startsWith('/twins/d1/methods')),
      ).toBe(true);
      const [first, second] = hub.seen;
      expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(950);
    } finally {
      gateway.close();
      await new Promise((resolve) => hub.server.close(resolve));
    }
  });

  it('gives up with ThrottlingException after its attempts', async () => {
    const hub = flakyHub(Array.from({ length: 5 }, () => ({ status: 429, headers: { 'Retry-After': '0' } })));
    const gateway = await gatewayTo(hub);
    try {
      await expect(gateway.applyTwinPatch('d1', { tags: { a: 1 } })).rejects.toMatchObject({
        code: 'ThrottlingException',
      });
      expect(hub.seen).toHaveLength(5);
    } finally {
      gateway.close();
      await new Promise((resolve) => hub.server.close(resolve));
    }
  });
});
