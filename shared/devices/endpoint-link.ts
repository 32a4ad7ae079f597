import http from 'node:http';
import { DeviceNotOnlineError, GatewayTimeoutError, IotHubError } from '../http';
import type { DeviceRecord, JsonObject } from './device-model';
import { ControlBatcher, type ControlAnswer } from './control-batcher';
import type { ControlCall, ControlError } from './endpoint-control';
import type { MethodInvocation, MethodResult } from './method-request';
import type { EndpointAnnouncement, EndpointDirectory, RealDeviceLink } from './ports';

/** The endpoint started last is looked up at most this often (announcements are immutable; latest() is not). */
const LATEST_TTL_MS = 2_000;
/** Beyond the device's own timeouts, the time a control call may take on the wire. */
const CONTROL_SLACK_MS = 5_000;
const DESIRED_TIMEOUT_MS = 5_000;
/**
 * Control connections open per endpoint: each holds one batch until its slowest call is answered, so a batch with
 * a silent device holds one for up to its response timeout while the job's window refills around it.
 */
const MAX_CONTROL_SOCKETS = 256;
/** An idle control connection is closed well before the endpoint's keep-alive timeout (60 s) could race a call. */
const IDLE_SOCKET_MS = 30_000;

/**
 * The app's link to real devices over the device endpoints' control API: a device's calls go to the endpoint
 * holding its connection, or to the endpoint started last when it is away (where it would reconnect). A job makes
 * one call per device: the calls of one moment travel together (control-batcher.ts) over kept-alive `node:http`
 * connections, as one HTTP exchange per call cost the host more CPU than the rest of the call (BENCHMARKS.md
 * "Real devices").
 */
export class EndpointDeviceLink implements RealDeviceLink {
  private readonly known = new Map<string, Promise<EndpointAnnouncement | undefined>>();
  /** One per endpoint this host has called (a handful over a host's life: one per endpoint start). */
  private readonly batchers = new Map<string, ControlBatcher>();
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
    const request: ControlCall = { kind: 'method', deviceId: record.deviceId, ...call };
    const timeoutMs =
      (call.connectTimeoutInSeconds + call.responseTimeoutInSeconds) * 1000 + CONTROL_SLACK_MS;
    let answer: ControlAnswer;
    try {
      answer = await this.post(endpoint, request, timeoutMs);
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
    const request: ControlCall = { kind: 'desired', deviceId: record.deviceId, patch };
    try {
      await this.post(endpoint, request, DESIRED_TIMEOUT_MS);
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

  private async post(
    endpoint: EndpointAnnouncement,
    call: ControlCall,
    timeoutMs: number,
  ): Promise<ControlAnswer> {
    const key = `${endpoint.endpointId} ${endpoint.controlUrl}`;
    let batcher = this.batchers.get(key);
    if (!batcher) this.batchers.set(key, (batcher = new ControlBatcher(endpoint, this.agent)));
    return batcher.call(call, timeoutMs);
  }
}
