import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in IoT Hub for the calls the iothub gateway makes (twin queries, direct methods, twin reads and
 * updates), over plain HTTP on 127.0.0.1, that throttles "jobs device operations" (methods and twin updates) as
 * a hub does: a token bucket at `operationsPerSecond`, and 429 ThrottlingException in IoT Hub's error format when
 * it is empty. A real hub shapes traffic over minute-long windows before it answers 429; this one tolerates only
 * `burstSeconds` of excess, so a client that keeps to the rate here keeps to it at a hub.
 */
export interface StandInHub {
  port: number;
  /** A service connection string for the stand-in (the gateway signs; the stand-in does not check). */
  connectionString: string;
  /** Device operations accepted, with the time each arrived (epoch ms). */
  accepted: number[];
  /** Device operations answered 429. */
  throttled: number;
  stop(): Promise<void>;
}

export async function startStandInHub(options: {
  deviceIds: readonly string[];
  operationsPerSecond: number;
  burstSeconds?: number;
}): Promise<StandInHub> {
  const capacity = Math.max(1, options.operationsPerSecond * (options.burstSeconds ?? 0.5));
  let tokens = capacity;
  let refilledAt = Date.now();
  const takeToken = (): boolean => {
    const now = Date.now();
    tokens = Math.min(capacity, tokens + ((now - refilledAt) / 1000) * options.operationsPerSecond);
    refilledAt = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
  const twins = new Map(
    options.deviceIds.map((deviceId) => [
      deviceId,
      { deviceId, etag: 'AAAAAAAAAAE=', version: 1, tags: {}, properties: { desired: {}, reported: {} } },
    ]),
  );
  const hub: Omit<StandInHub, 'port' | 'connectionString' | 'stop'> = { accepted: [], throttled: 0 };

  const send = (response: http.ServerResponse, status: number, body: unknown, headers = {}) => {
    response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    response.end(JSON.stringify(body));
  };
  const throttle = (response: http.ServerResponse) => {
    hub.throttled += 1;
    send(
      response,
      429,
      {
        Message: 'ErrorCode:ThrottlingException;Rate of device operations exceeded the throttle.',
        ExceptionMessage: `Tracking ID:standin-${hub.throttled}-G:0-TimeStamp:${new Date().toISOString()}`,
      },
      { 'iothub-errorcode': 'ThrottlingException' },
    );
  };
  const deviceOperation = (response: http.ServerResponse, answer: () => void) => {
    if (!takeToken()) {
      throttle(response);
      return;
    }
    hub.accepted.push(Date.now());
    answer();
  };

  const server = http.createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://stand-in');
      const twinPath = /^\/twins\/([^/]+)(\/methods)?$/.exec(url.pathname);
      const twin = twinPath ? twins.get(decodeURIComponent(twinPath[1] ?? '')) : undefined;
      if (request.method === 'POST' && url.pathname === '/devices/query') {
        send(response, 200, [...twins.values()]);
      } else if (twinPath && !twin) {
        send(
          response,
          404,
          { Message: 'ErrorCode:DeviceNotFound;Device not found.' },
          {
            'iothub-errorcode': 'DeviceNotFound',
          },
        );
      } else if (twin && twinPath?.[2] && request.method === 'POST') {
        deviceOperation(response, () =>
          send(response, 200, { status: 200, payload: { echo: JSON.parse(text) } }),
        );
      } else if (twin && request.method === 'GET') {
        send(response, 200, twin);
      } else if (twin && request.method === 'PATCH') {
        deviceOperation(response, () => {
          const patch = JSON.parse(text) as { tags?: Record<string, unknown> };
          Object.assign(twin.tags, patch.tags ?? {});
          twin.version += 1;
          send(response, 200, twin);
        });
      } else {
        send(response, 404, { Message: 'ErrorCode:NotFound;Not served by the stand-in hub.' });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const key = Buffer.alloc(32, 7).toString('base64');
  return Object.assign(hub, {
    port,
    connectionString: `HostName=stand-in.azure-devices.net;SharedAccessKeyName=iothubowner;SharedAccessKey=${key}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
