import { timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { IotHubError } from '../../shared/http';
import {
  CONTROL_ANSWER_TYPE,
  CONTROL_PATHS,
  CONTROL_SECRET_HEADER,
  type ControlAnswerLine,
  type ControlCall,
  type ControlError,
  type ControlMethodRequest,
} from '../../shared/devices/endpoint-control';
import type { Connections } from './connections';
import type { DeviceSession } from './device-session';

/** A batch holds up to 1 MB of calls (control-batcher.ts) plus one call of at most IoT Hub's 128 KB payload. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

interface CallAnswer {
  status: number;
  body?: unknown;
}

function answer(response: http.ServerResponse, status: number, body?: unknown): void {
  response.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
  response.end(body === undefined ? undefined : JSON.stringify(body));
}

function failure(status: number, error: ControlError): CallAnswer {
  return { status, body: error };
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

function readCalls(body: unknown): unknown[] {
  const calls = (body as { calls?: unknown } | null)?.calls;
  if (!Array.isArray(calls)) throw new Error('The body must be {"calls": [...]}.');
  return calls;
}

/**
 * The control API the app hosts call (shared/devices/endpoint-control.ts): batches of direct methods and desired
 * notifications for the devices connected here, each call answered on its own line as soon as it settles. It
 * listens on a free port of `host` and demands the secret the endpoint announced in storage.
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
      return answer(response, 401, { errorCode: 'Unauthorized', message: 'Unauthorized' });
    }
    if (request.method !== 'POST' || request.url !== CONTROL_PATHS.calls) {
      request.resume();
      return answer(response, 404);
    }
    readJson(request)
      .then((body) => streamAnswers(readCalls(body), options.connections, response))
      .catch((error: unknown) => {
        answer(response, 400, { errorCode: 'ArgumentInvalid', message: String(error) });
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

/**
 * Runs every call of a batch at once and writes each answer as a line when it settles; the lines of one turn go
 * out in one write, and the response ends with the last answer.
 */
function streamAnswers(
  calls: unknown[],
  connections: Connections<DeviceSession>,
  response: http.ServerResponse,
): void {
  response.writeHead(200, { 'content-type': CONTROL_ANSWER_TYPE });
  if (calls.length === 0) {
    response.end();
    return;
  }
  let unanswered = calls.length;
  let lines = '';
  const flush = () => {
    if (lines === '' || response.destroyed) return;
    const text = lines;
    lines = '';
    if (unanswered === 0) response.end(text);
    else response.write(text);
  };
  calls.forEach((call, index) => {
    void runCall(call, connections).then((settled) => {
      const line: ControlAnswerLine = { index, ...settled };
      if (lines === '') setImmediate(flush);
      lines += `${JSON.stringify(line)}\n`;
      unanswered -= 1;
    });
  });
}

async function runCall(call: unknown, connections: Connections<DeviceSession>): Promise<CallAnswer> {
  const kind = (call as Partial<ControlCall> | null)?.kind;
  const deviceId = (call as Partial<ControlCall> | null)?.deviceId;
  if (typeof deviceId !== 'string' || (kind !== 'method' && kind !== 'desired')) {
    return failure(400, { errorCode: 'ArgumentInvalid', message: 'A call needs a kind and a deviceId.' });
  }
  try {
    if (kind === 'desired') {
      const { patch } = call as ControlCall & { kind: 'desired' };
      const delivered = connections.get(deviceId)?.notifyDesired(patch) ?? false;
      return { status: delivered ? 204 : 404 };
    }
    return await invoke(call as ControlMethodRequest, connections);
  } catch (error: unknown) {
    return failure(400, { errorCode: 'ArgumentInvalid', message: String(error) });
  }
}

async function invoke(
  call: ControlMethodRequest,
  connections: Connections<DeviceSession>,
): Promise<CallAnswer> {
  const session = await connections.waitFor(
    call.deviceId,
    (candidate) => candidate.connected && candidate.subscriptions.has('methods'),
    call.connectTimeoutInSeconds * 1000,
  );
  if (!session) {
    return failure(404, {
      errorCode: 'DeviceNotOnline',
      message:
        call.connectTimeoutInSeconds > 0
          ? 'Timed out waiting for device to connect.'
          : `Device ${call.deviceId} is not online.`,
    });
  }
  try {
    return {
      status: 200,
      body: await session.callMethod(call.methodName, call.payload, call.responseTimeoutInSeconds * 1000),
    };
  } catch (error: unknown) {
    if (!(error instanceof IotHubError)) throw error;
    const errorCode = error.code === 'GatewayTimeout' ? 'GatewayTimeout' : 'DeviceNotOnline';
    return failure(error.status, { errorCode, message: error.message });
  }
}
