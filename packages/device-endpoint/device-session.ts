import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import mqtt, { type IConnectPacket, type IPublishPacket, type Packet } from 'mqtt-packet';
import { DeviceNotOnlineError, GatewayTimeoutError, IotHubError } from '../../shared/http';
import { deviceTokenValid, deviceUserNameValid } from '../../shared/http/sas-authorizer';
import { isDeviceId } from '../../shared/iothub-rules';
import type { DeviceRecord, JsonObject } from '../../shared/devices/device-model';
import type { StoredDevice } from '../../shared/devices/ports';
import type { MethodResult } from '../../shared/devices/method-request';
import { readReportedPatch } from '../../shared/devices/real-device';
import type { EmbeddedRegistry } from '../../shared/devices/simulated/embedded-registry';
import type { Connections } from './connections';
import {
  desiredPatchTopic,
  devicePublishOf,
  MAX_PACKET_BYTES,
  methodRequestTopic,
  PAYLOAD_LIMITS,
  subscriptionKind,
  twinResponseTopic,
  type DevicePublish,
  type SubscriptionKind,
} from './topics';

/** What every session of an endpoint shares. */
export interface SessionContext {
  registry: EmbeddedRegistry;
  /** The hub's host name (JOBS_HOST_NAME): user names and token resources must name it. */
  hostName: string;
  endpointId: string;
  connections: Connections<DeviceSession>;
  log(line: string): void;
}

/** CONNACK return codes of MQTT 3.1.1. */
const CONNACK = { accepted: 0, badProtocol: 1, serverUnavailable: 3, notAuthorized: 5 } as const;
/** A client that has not sent CONNECT by then is dropped. */
const CONNECT_DEADLINE_MS = 10_000;
/** IoT Hub's idle limit: 1.5 × the client's keep-alive, at most 1767 s. */
const MAX_IDLE_MS = 1_767_000;

interface PendingMethod {
  resolve: (result: MethodResult) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * One device connection: IoT Hub's MQTT 3.1.1 device protocol over mqtt-packet's parser and generator. Anything a
 * device may not do (another device's topic, a malformed or oversized packet, QoS 2, a second CONNECT) ends this
 * connection only.
 */
export class DeviceSession {
  deviceId = '';
  subscriptions: Set<SubscriptionKind> = new Set();
  private readonly connectionId = randomUUID();
  private readonly parser = mqtt.parser({ protocolVersion: 4 });
  private state: 'awaiting-connect' | 'authenticating' | 'connected' | 'closed' = 'awaiting-connect';
  private readonly queued: Packet[] = [];
  private idleTimer: NodeJS.Timeout;
  private idleMs = CONNECT_DEADLINE_MS;
  private nextRequestId = 1;
  private readonly pendingMethods = new Map<string, PendingMethod>();
  /** Twin reads and writes of this device, one after another, so its patches apply in the order sent. */
  private twinWork: Promise<void> = Promise.resolve();
  private ended: Promise<void> = Promise.resolve();

  constructor(
    private readonly socket: Duplex,
    private readonly context: SessionContext,
  ) {
    this.idleTimer = setTimeout(() => this.close('no CONNECT in time'), CONNECT_DEADLINE_MS);
    this.parser.on('packet', (packet: Packet) => this.onPacket(packet));
    this.parser.on('error', (error: Error) => this.close(`malformed packet: ${error.message}`));
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => this.close('socket error'));
    socket.on('close', () => this.close('connection closed'));
  }

  get connected(): boolean {
    return this.state === 'connected';
  }

  private onData(chunk: Buffer): void {
    if (this.state === 'closed') return;
    this.parser.parse(chunk);
    // The parser knows a packet's length from its first bytes: an oversized one is refused before it arrives.
    const announced = (this.parser as unknown as { packet?: { length?: number } }).packet?.length ?? -1;
    if (announced > MAX_PACKET_BYTES) this.close(`packet of ${announced} bytes over the limit`);
  }

  private resetIdle(): void {
    this.idleTimer.refresh();
  }

  private onPacket(packet: Packet): void {
    if (this.state === 'closed') return;
    this.resetIdle();
    if (this.state === 'awaiting-connect') {
      if (packet.cmd !== 'connect') return this.close(`${packet.cmd} before CONNECT`);
      this.state = 'authenticating';
      void this.onConnect(packet);
      return;
    }
    if (this.state === 'authenticating') {
      this.queued.push(packet);
      return;
    }
    this.handle(packet);
  }

  private handle(packet: Packet): void {
    switch (packet.cmd) {
      case 'publish':
        return this.onPublish(packet);
      case 'subscribe': {
        const granted: number[] = [];
        for (const { topic, qos } of packet.subscriptions) {
          const kind = subscriptionKind(topic, this.deviceId);
          if (!kind) return this.close(`subscription to a foreign topic ${JSON.stringify(topic)}`);
          this.subscriptions.add(kind);
          granted.push(Math.min(qos, 1));
        }
        this.send({ cmd: 'suback', messageId: packet.messageId ?? 0, granted });
        this.context.connections.changed(this);
        return;
      }
      case 'unsubscribe':
        for (const topic of packet.unsubscriptions) {
          const kind = subscriptionKind(topic, this.deviceId);
          if (kind) this.subscriptions.delete(kind);
        }
        this.send({ cmd: 'unsuback', messageId: packet.messageId ?? 0, granted: [] });
        return;
      case 'pingreq':
        this.send({ cmd: 'pingresp' });
        return;
      case 'puback':
        return;
      case 'disconnect':
        return this.close('client disconnected');
      default:
        return this.close(`unexpected ${packet.cmd}`);
    }
  }

  private async onConnect(packet: IConnectPacket): Promise<void> {
    if (packet.protocolId !== 'MQTT' || packet.protocolVersion !== 4) {
      this.send({ cmd: 'connack', returnCode: CONNACK.badProtocol, sessionPresent: false });
      return this.close('not MQTT 3.1.1');
    }
    const deviceId = packet.clientId;
    let record: DeviceRecord | undefined;
    try {
      const stored = await this.authenticate(packet);
      // The record just read is written at its etag: one registry read per connect, not two.
      if (stored)
        record = await this.context.registry.recordConnected(
          deviceId,
          this.context.endpointId,
          this.connectionId,
          stored,
        );
    } catch (error: unknown) {
      this.context.log(
        `CONNECT of ${deviceId} failed: ${error instanceof Error ? error.message : String(error)}`,
      );
      this.send({ cmd: 'connack', returnCode: CONNACK.serverUnavailable, sessionPresent: false });
      return this.close('registry unavailable');
    }
    if (!record) {
      this.context.log(`refused ${JSON.stringify(deviceId)}: not authorized`);
      this.send({ cmd: 'connack', returnCode: CONNACK.notAuthorized, sessionPresent: false });
      return this.close('not authorized');
    }
    if (this.state === 'closed') {
      this.context.log(`${deviceId} left while being authenticated`);
      // The client went away while it was being authenticated.
      await this.recordDisconnected(deviceId);
      return;
    }
    this.deviceId = deviceId;
    const session = this.context.connections.sessionFor(deviceId, packet.clean !== false);
    this.subscriptions = session.subscriptions;
    this.state = 'connected';
    const keepAliveMs = (packet.keepalive ?? 0) * 1000;
    this.idleMs = keepAliveMs > 0 ? Math.min(keepAliveMs * 1.5, MAX_IDLE_MS) : MAX_IDLE_MS;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.close('keep-alive missed'), this.idleMs);
    this.send({ cmd: 'connack', returnCode: CONNACK.accepted, sessionPresent: session.present });
    this.context.connections.attach(this);
    for (const queued of this.queued.splice(0)) if (this.state === 'connected') this.handle(queued);
  }

  /** The device as stored when the CONNECT carries a valid identity and token of an enabled device. */
  private async authenticate(packet: IConnectPacket): Promise<StoredDevice | undefined> {
    const deviceId = packet.clientId;
    if (!isDeviceId(deviceId)) return undefined;
    if (!deviceUserNameValid(packet.username, this.context.hostName, deviceId)) return undefined;
    const stored = await this.context.registry.repository.get(deviceId);
    if (!stored || stored.record.status !== 'enabled') return undefined;
    const { symmetricKey } = stored.record.authentication;
    if (stored.record.authentication.type !== 'sas' || !symmetricKey) return undefined;
    const valid = deviceTokenValid(packet.password?.toString('utf8'), {
      hostName: this.context.hostName,
      deviceId,
      keys: [symmetricKey.primaryKey, symmetricKey.secondaryKey],
      now: Date.now(),
    });
    return valid ? stored : undefined;
  }

  private onPublish(packet: IPublishPacket): void {
    if (packet.qos > 1) return this.close('QoS 2 publish');
    const what = devicePublishOf(packet.topic, this.deviceId);
    if (!what) return this.close(`publish to a foreign topic ${JSON.stringify(packet.topic)}`);
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    if (payload.length > PAYLOAD_LIMITS[what.kind]) {
      return this.close(`${what.kind} payload of ${payload.length} bytes over IoT Hub's limit`);
    }
    if (packet.qos === 1) this.send({ cmd: 'puback', messageId: packet.messageId ?? 0 });
    this.onDevicePublish(what, payload);
  }

  private onDevicePublish(what: DevicePublish, payload: Buffer): void {
    switch (what.kind) {
      case 'telemetry':
        // Accepted and acknowledged, not stored (docs/devices.md).
        return;
      case 'methodResponse': {
        const pending = this.pendingMethods.get(what.requestId);
        if (!pending) return;
        this.pendingMethods.delete(what.requestId);
        clearTimeout(pending.timer);
        pending.resolve({ status: what.status, payload: parseMethodPayload(payload) });
        return;
      }
      case 'twinGet':
        return this.twin(() => this.answerTwinGet(what.requestId));
      case 'reportedPatch':
        return this.twin(() => this.applyReported(what.requestId, payload));
    }
  }

  private twin(work: () => Promise<void>): void {
    this.twinWork = this.twinWork.then(work).catch((error: unknown) => {
      this.context.log(
        `twin request of ${this.deviceId} failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    });
  }

  private async answerTwinGet(requestId: string): Promise<void> {
    try {
      const { record } = await this.context.registry.read(this.deviceId);
      const body = {
        desired: { ...record.desired.values, $version: record.desired.version },
        reported: { ...record.reported.values, $version: record.reported.version },
      };
      this.publish(twinResponseTopic(200, requestId), JSON.stringify(body));
    } catch (error: unknown) {
      this.publishTwinError(requestId, error);
    }
  }

  private async applyReported(requestId: string, payload: Buffer): Promise<void> {
    try {
      let patch: JsonObject;
      try {
        patch = readReportedPatch(JSON.parse(payload.toString('utf8')) as unknown);
      } catch (error: unknown) {
        if (error instanceof SyntaxError)
          throw new IotHubError('ArgumentInvalid', 400, 'The patch is not JSON.');
        throw error;
      }
      const record = await this.context.registry.reportProperties(this.deviceId, patch);
      this.publish(twinResponseTopic(204, requestId, record.reported.version), '');
    } catch (error: unknown) {
      this.publishTwinError(requestId, error);
    }
  }

  /** The Node SDK fails a twin request whose body holds `errorCode` (it ignores the status in the topic). */
  private publishTwinError(requestId: string, error: unknown): void {
    const status = error instanceof IotHubError ? error.status : 500;
    const errorCode = error instanceof IotHubError ? error.code : 'ServerError';
    const message = error instanceof Error ? error.message : String(error);
    this.publish(twinResponseTopic(status, requestId), JSON.stringify({ errorCode, message }));
  }

  /** Sends a desired-properties change (when the device listens for them). */
  notifyDesired(patch: JsonObject): boolean {
    const version = patch.$version;
    if (!this.subscriptions.has('desired') || typeof version !== 'number') return false;
    this.publish(desiredPatchTopic(version), JSON.stringify(patch));
    return true;
  }

  /** Calls a direct method and waits up to `timeoutMs` for the device's answer. */
  callMethod(methodName: string, payload: unknown, timeoutMs: number): Promise<MethodResult> {
    if (!this.connected || !this.subscriptions.has('methods')) {
      return Promise.reject(new DeviceNotOnlineError(this.deviceId));
    }
    const requestId = (this.nextRequestId++).toString(16);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pendingMethods.delete(requestId);
        reject(new GatewayTimeoutError(`Timed out waiting for the response from device ${this.deviceId}.`));
      }, timeoutMs);
      this.pendingMethods.set(requestId, { resolve, reject, timer });
      this.publish(methodRequestTopic(methodName, requestId), JSON.stringify(payload ?? null));
    });
  }

  private publish(topic: string, payload: string): void {
    this.send({ cmd: 'publish', topic, payload, qos: 0, dup: false, retain: false });
  }

  private send(packet: Packet): void {
    if (this.state === 'closed' || this.socket.destroyed) return;
    this.socket.write(mqtt.generate(packet));
  }

  /** Ends the connection (idempotent); calls in flight fail, the registry records the device disconnected. */
  close(reason: string): void {
    if (this.state === 'closed') return;
    const wasConnected = this.state === 'connected';
    this.state = 'closed';
    clearTimeout(this.idleTimer);
    this.socket.destroy();
    for (const [requestId, pending] of this.pendingMethods) {
      this.pendingMethods.delete(requestId);
      clearTimeout(pending.timer);
      pending.reject(new DeviceNotOnlineError(this.deviceId));
    }
    if (!wasConnected) return;
    this.context.connections.detach(this);
    if (!/client disconnected|connection closed|replaced/.test(reason)) {
      this.context.log(`closed the connection of ${this.deviceId}: ${reason}`);
    }
    this.ended = this.twinWork.then(() => this.recordDisconnected(this.deviceId));
  }

  private async recordDisconnected(deviceId: string): Promise<void> {
    try {
      await this.context.registry.recordDisconnected(deviceId, this.connectionId);
    } catch (error: unknown) {
      this.context.log(
        `could not record ${deviceId} disconnected: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  /** Resolves when the registry has recorded the end of this connection (for a clean stop). */
  closed(): Promise<void> {
    return this.ended;
  }
}

function parseMethodPayload(payload: Buffer): unknown {
  if (payload.length === 0) return null;
  const text = payload.toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
