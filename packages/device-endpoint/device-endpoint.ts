import { randomBytes } from 'node:crypto';
import os from 'node:os';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { EmbeddedRegistry } from '../../shared/devices/simulated/embedded-registry';
import { deviceRegistryStorage } from '../../shared/storage/device-registry-storage';
import { loadOrCreateCertificates } from './certificates';
import { Connections } from './connections';
import { startControlServer } from './control-server';
import { DeviceSession } from './device-session';
import type { EndpointSettings } from './settings';

export interface DeviceEndpointOptions extends EndpointSettings {
  /** MQTT over TLS port (IoT Hub: 8883); 0 picks a free one. */
  port: number;
  host: string;
  certDir: string;
  log?: (line: string) => void;
}

/** A running device endpoint. */
export interface DeviceEndpoint {
  endpointId: string;
  port: number;
  caPath: string;
  /** The CA certificate clients must trust (PEM). */
  ca: string;
  controlUrl: string;
  /** Devices connected right now. */
  readonly connectionCount: number;
  /** Closes every connection (recording the devices disconnected), withdraws the announcement, stops. */
  stop(): Promise<void>;
}

/**
 * Starts IoT Hub's device endpoint over the embedded registry: MQTT 3.1.1 over TLS for devices, a control API for
 * the app hosts, announced in storage (docs/devices.md "Real devices").
 */
export async function startDeviceEndpoint(options: DeviceEndpointOptions): Promise<DeviceEndpoint> {
  const log = options.log ?? ((line: string) => console.log(line));
  const certificates = loadOrCreateCertificates(options.certDir);
  const { repository, endpoints, waits, waker } = deviceRegistryStorage(options.storage);
  const registry = new EmbeddedRegistry({
    repository,
    watches: { store: waits, waker },
    defaultSimulation: options.defaultSimulation,
    simulationSeed: undefined,
  });
  const connections = new Connections<DeviceSession>();
  const sockets = new Set<tls.TLSSocket>();
  let endpointId = '';
  const server = tls.createServer({ cert: certificates.cert, key: certificates.key }, (socket) => {
    if (endpointId === '') return socket.destroy();
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.setNoDelay(true);
    new DeviceSession(socket, { registry, hostName: options.hostName, endpointId, connections, log });
  });
  // A client that fails the TLS handshake is that client's problem only.
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  // A new id per start: records of devices connected before a restart then point at no running endpoint.
  endpointId = `${os.hostname()}-${port}-${randomBytes(4).toString('hex')}`;
  const secret = randomBytes(24).toString('base64url');
  const control = await startControlServer({ host: '127.0.0.1', secret, connections });
  await endpoints.announce({
    endpointId,
    controlUrl: control.url,
    secret,
    startedAt: new Date().toISOString(),
  });

  return {
    endpointId,
    port,
    caPath: certificates.caPath,
    ca: certificates.ca,
    controlUrl: control.url,
    get connectionCount() {
      return connections.size;
    },
    async stop() {
      const closedServer = new Promise<void>((resolve) => server.close(() => resolve()));
      const sessions = connections.all();
      for (const session of sessions) session.close('endpoint stopping');
      for (const socket of sockets) socket.destroy();
      await Promise.allSettled(sessions.map((session) => session.closed()));
      await closedServer;
      await control.close();
      await endpoints.withdraw(endpointId);
    },
  };
}
