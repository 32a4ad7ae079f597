import { timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { IotHubError } from '../../shared/http';
import {
  CONTROL_PATHS,
  CONTROL_SECRET_HEADER,
  type ControlDesiredRequest,
  type ControlError,
  type ControlMethodRequest,
} from '../../shared/devices/endpoint-control';
import type { Connections } from './connections';
import type { DeviceSession } from './device-session';

const MAX_BODY_BYTES = 512 * 1024;

function answer(response: http.ServerResponse, status: number, body?: unknown): void {
  response.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
  response.end(body === undefined ? undefined : JSON.stringify(body));
}

function failure(response: http.ServerResponse, status: number, error: ControlError): void {
  answer(response, status, error);
}

async function readJson(request: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new Error('body too large');
    chunks.push(chunk);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
}

/**
 * The control API the app hosts call (shared/devices/endpoint-control.ts): direct methods and desired
 * notifications for the devices connected here. It listens on a free port of `host` and demands the secret the
 * endpoint announced in storage.
 */
export async function startControlServer(options: {
  host: string;
  secret: string;
  connections: Connections<DeviceSession>;
}): Promise<{ url: string; close(): Promise<void> }> {
  const expected = Buffer.from(options.secret);
  const authorized = (request: http.IncomingMessage) => {
    const presented = Buffer.from(String(request.headers[CONTROL_SECRET_HEADER] ?? ''));
    return presented.length === expected.length && timingSafeEqual(presented, expected);
  };

  const server = http.createServer((request, response) => {
    if (!authorized(request)) {
      return failure(response, 401, { errorCode: 'Unauthorized', message: 'Unauthorized' });
    }
    readJson(request)
      .then(async (body) => {
        if (request.method === 'POST' && request.url === CONTROL_PATHS.methods) {
          await invoke(body as ControlMethodRequest, options.connections, response);
        } else if (request.method === 'POST' && request.url === CONTROL_PATHS.desired) {
          const { deviceId, patch } = body as ControlDesiredRequest;
          const delivered = options.connections.get(deviceId)?.notifyDesired(patch) ?? false;
          answer(response, delivered ? 204 : 404);
        } else {
          answer(response, 404);
        }
      })
      .catch((error: unknown) => {
        failure(response, 400, { errorCode: 'ArgumentInvalid', message: String(error) });
      });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, options.host, resolve));
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function invoke(
  call: ControlMethodRequest,
  connections: Connections<DeviceSession>,
  response: http.ServerResponse,
): Promise<void> {
  const session = await connections.waitFor(
    call.deviceId,
    (candidate) => candidate.connected && candidate.subscriptions.has('methods'),
    call.connectTimeoutInSeconds * 1000,
  );
  if (!session) {
    return failure(response, 404, {
      errorCode: 'DeviceNotOnline',
      message:
        call.connectTimeoutInSeconds > 0
          ? 'Timed out waiting for device to connect.'
          : `Device ${call.deviceId} is not online.`,
    });
  }
  try {
    answer(
      response,
      200,
      await session.callMethod(call.methodName, call.payload, call.responseTimeoutInSeconds * 1000),
    );
  } catch (error: unknown) {
    if (!(error instanceof IotHubError)) throw error;
    const errorCode = error.code === 'GatewayTimeout' ? 'GatewayTimeout' : 'DeviceNotOnline';
    failure(response, error.status, { errorCode, message: error.message });
  }
}
