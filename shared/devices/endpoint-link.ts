import http from 'node:http';
import { DeviceNotOnlineError, GatewayTimeoutError, IotHubError } from '../http';
import type { DeviceRecord, JsonObject } from './device-model';
import {
  CONTROL_PATHS,
  CONTROL_SECRET_HEADER,
  type ControlDesiredRequest,
  type ControlError,
  type ControlMethodRequest,
} from './endpoint-control';
import type { MethodInvocation, MethodResult } from './method-request';
import type { EndpointAnnouncement, EndpointDirectory, RealDeviceLink } from './ports';

/** The endpoint started last is looked up at most this often (announcements are immutable; latest() is not). */
const LATEST_TTL_MS = 2_000;
/** Beyond the device's own timeouts, the time a control call may take on the wire. */
const CONTROL_SLACK_MS = 5_000;
const DESIRED_TIMEOUT_MS = 5_000;
/** Control connections kept open per endpoint: a job has up to JOB_MAX_DEVICES_IN_FLIGHT calls out at once. */
const MAX_CONTROL_SOCKETS = 256;
/** An idle control connection is closed well before the endpoint's keep-alive timeout (60 s) could race a call. */
const IDLE_SOCKET_MS = 30_000;

interface ControlAnswer {
  status: number;
  body: unknown;
}

/**
 * The app's link to real devices over the device endpoints' control API: a device's calls go to the endpoint
 * holding its connection, or to the endpoint started last when it is away (where it would reconnect). Calls go
 * over kept-alive `node:http` connections: `fetch` cost about three times the CPU per call (BENCHMARKS.md "Real
 * devices"), and a job makes one call per device.
 */
export class EndpointDeviceLink implements RealDeviceLink {
  private readonly known = new Map<string, Promise<EndpointAnnouncement | undefined>>();
  private latestLookup: { at: number; endpoint: Promise<EndpointAnnouncement | undefined> } | undefined;
  private readonly agent = new http.Agent({
    keepAlive: true,
    maxSockets: MAX_CONTROL_SOCKETS,
    timeout: IDLE_SOCKET_MS,
  });

  constructor(
    private readonly directory: EndpointDirectory,
    private readonly now: () => number = Date.now,
  ) {}

  async invokeMethod(record: DeviceRecord, call: Required<MethodInvocation>): Promise<MethodResult> {
    const connected = record.connection?.state === 'Connected' && record.status === 'enabled';
    if (!connected && (call.connectTimeoutInSeconds === 0 || record.status !== 'enabled')) {
      throw new DeviceNotOnlineError(record.deviceId);
    }
    const endpoint = await this.endpointFor(record, connected);
    if (!endpoint) throw new DeviceNotOnlineError(record.deviceId);
    const request: ControlMethodRequest = { deviceId: record.deviceId, ...call };
    const timeoutMs =
      (call.connectTimeoutInSeconds + call.responseTimeoutInSeconds) * 1000 + CONTROL_SLACK_MS;
    let answer: ControlAnswer;
    try {
      answer = await this.post(endpoint, CONTROL_PATHS.methods, request, timeoutMs);
    } catch {
      // The endpoint is gone (stopped, restarting): its devices are not connected anywhere.
      throw new DeviceNotOnlineError(record.deviceId);
    }
    if (answer.status === 200) return answer.body as MethodResult;
    const error = answer.body as ControlError;
    if (error.errorCode === 'DeviceNotOnline') throw new DeviceNotOnlineError(record.deviceId);
    if (error.errorCode === 'GatewayTimeout') throw new GatewayTimeoutError(error.message);
    if (error.errorCode === 'ArgumentInvalid')
      throw new IotHubError('ArgumentInvalid', answer.status, error.message);
    // The endpoint refused this service's own credentials: a deployment fault, answered as a 500 with a tracking id.
    throw new Error(
      `The device endpoint refused a control call (${answer.status} ${error.errorCode}): ${error.message}`,
    );
  }

  async notifyDesired(record: DeviceRecord, patch: JsonObject): Promise<void> {
    if (record.connection?.state !== 'Connected') return;
    const endpoint = await this.endpointFor(record, true);
    if (!endpoint) return;
    const request: ControlDesiredRequest = { deviceId: record.deviceId, patch };
    try {
      await this.post(endpoint, CONTROL_PATHS.desired, request, DESIRED_TIMEOUT_MS);
    } catch {
      // Best effort: the device reads its desired properties with its twin GET when it reconnects.
    }
  }

  private async endpointFor(
    record: DeviceRecord,
    connected: boolean,
  ): Promise<EndpointAnnouncement | undefined> {
    const endpointId = record.connection?.endpointId;
    if (connected && endpointId !== undefined) {
      let lookup = this.known.get(endpointId);
      if (!lookup) {
        lookup = this.directory.get(endpointId);
        this.known.set(endpointId, lookup);
        lookup.catch(() => this.known.delete(endpointId));
      }
      const endpoint = await lookup;
      if (endpoint) return endpoint;
      this.known.delete(endpointId);
    }
    const now = this.now();
    if (!this.latestLookup || now - this.latestLookup.at > LATEST_TTL_MS) {
      this.latestLookup = { at: now, endpoint: this.directory.latest() };
    }
    return this.latestLookup.endpoint;
  }

  private post(
    endpoint: EndpointAnnouncement,
    path: string,
    body: unknown,
    timeoutMs: number,
  ): Promise<ControlAnswer> {
    const payload = JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const request = http.request(
        `${endpoint.controlUrl}${path}`,
        {
          method: 'POST',
          agent: this.agent,
          timeout: timeoutMs,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(payload),
            [CONTROL_SECRET_HEADER]: endpoint.secret,
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            try {
              resolve({ status: response.statusCode ?? 0, body: text === '' ? undefined : JSON.parse(text) });
            } catch (error: unknown) {
              reject(error instanceof Error ? error : new Error(String(error)));
            }
          });
        },
      );
      request.on('timeout', () =>
        request.destroy(new Error(`No answer from the device endpoint in ${timeoutMs} ms.`)),
      );
      request.on('error', reject);
      request.end(payload);
    });
  }
}
