import tls from 'node:tls';
import mqtt from 'mqtt-packet';
import type { Client } from 'azure-iot-device';
import { createSasToken } from '../../../shared/http/sas-authorizer';
import { waitFor } from '../../support/wait-for';
import {
  connectDeviceApp,
  createDevices,
  deviceClient,
  deviceKey,
  startRealDeviceStack,
  type DeviceApp,
  type RealDeviceStack,
} from './real-device-stack';

/**
 * Real `azure-iot-device` clients over MQTT/TLS against the device endpoint, jobs run by the app served by
 * func-local (two hosts on one storage account and one endpoint).
 */
jest.setTimeout(40_000);
let stack: RealDeviceStack;
const apps = new Map<string, DeviceApp>();
const FLEET = Array.from({ length: 50 }, (_, i) => `real-${String(i).padStart(2, '0')}`);

interface Job {
  jobId: string;
  status: string;
  deviceJobStatistics?: {
    deviceCount: number;
    succeededCount: number;
    failedCount: number;
    runningCount: number;
  };
}
interface DeviceJobRow {
  deviceId: string;
  status: string;
  waitingUntil?: string;
  outcome?: { deviceMethodResponse?: { status: number; payload: unknown } };
  error?: { code: string; description: string };
}

beforeAll(async () => {
  stack = await startRealDeviceStack(2);
  await createDevices(stack, [
    ...FLEET.map((id) => ({ id, tags: { fleet: 'real' } })),
    { id: 'quitter', tags: { fleet: 'quitting' } },
    { id: 'steady', tags: { fleet: 'quitting' } },
    { id: 'late', tags: {} },
    { id: 'silent', tags: {} },
    { id: 'switch', tags: {} },
    { id: 'stubborn', tags: {} },
    { id: 'echo', tags: {} },
    { id: 'mute', tags: {} },
    { id: 'late-reporter', tags: {} },
    { id: 'hold', tags: {} },
    { id: 'off', status: 'disabled' },
    { id: 'rogue-1' },
    { id: 'rogue-2' },
  ]);
  const connected = await Promise.all(FLEET.map((id) => connectDeviceApp(stack, id)));
  for (const app of connected) apps.set(app.deviceId, app);
}, 60_000);

afterAll(async () => {
  await Promise.allSettled([...apps.values()].map((app) => app.client.close()));
  await stack?.stop();
});

async function job(jobId: string): Promise<Job> {
  const response = await stack.http('GET', `/jobs/v2/${jobId}?api-version=2021-04-12`);
  return (await response.json()) as Job;
}

const finished = (j: Job) => ['completed', 'failed', 'cancelled'].includes(j.status);

async function deviceJobs(jobId: string): Promise<DeviceJobRow[]> {
  const response = await stack.http('POST', '/devices/query?api-version=2021-04-12', {
    query: `SELECT * FROM devices.jobs WHERE devices.jobs.jobId = '${jobId}'`,
  });
  return (await response.json()) as DeviceJobRow[];
}

async function identity(deviceId: string): Promise<Record<string, unknown>> {
  const response = await stack.http('GET', `/devices/${deviceId}?api-version=2021-04-12`);
  return (await response.json()) as Record<string, unknown>;
}

async function refused(client: Client): Promise<string> {
  try {
    await client.open();
  } catch (error: unknown) {
    return `${(error as Error).constructor.name}: ${(error as Error).message}`;
  } finally {
    await client.close().catch(() => undefined);
  }
  return 'connected';
}

describe('real devices over MQTT/TLS', () => {
  it('refuses unknown, disabled and wrongly signed devices with CONNACK 5 (not authorized)', async () => {
    const outcomes = await Promise.all([
      deviceClient(stack, 'nobody').then(refused),
      deviceClient(stack, 'off').then(refused),
      deviceClient(stack, 'late', deviceKey('someone else')).then(refused),
    ]);
    for (const outcome of outcomes) expect(outcome).toMatch(/UnauthorizedError.*Not authorized/);
    // Still simulated: no client of theirs ever got in.
    expect((await identity('late')).deviceKind).toBeUndefined();
  });

  it('records connected devices as real, queryable by connection state', async () => {
    const device = await identity('real-07');
    expect(device).toMatchObject({ connectionState: 'Connected', deviceKind: 'real' });
    expect(device.lastActivityTime).not.toBe('0001-01-01T00:00:00Z');
    const response = await stack.http('POST', '/devices/query?api-version=2021-04-12', {
      query: "SELECT COUNT() AS n FROM devices WHERE tags.fleet = 'real' AND connectionState = 'Connected'",
    });
    expect(await response.json()).toEqual([{ n: 50 }]);
  });

  it('runs a method job over 50 connected clients while bad clients are cut off, leaving the job unaffected', async () => {
    const created = await stack.http('PUT', '/jobs/v2/real-reboot?api-version=2021-04-12', {
      jobId: 'real-reboot',
      type: 'scheduleDeviceMethod',
      queryCondition: "tags.fleet = 'real'",
      cloudToDeviceMethod: { methodName: 'reboot', payload: { reason: 'e2e' }, responseTimeoutInSeconds: 10 },
      maxExecutionTimeInSeconds: 120,
    });
    expect(created.status).toBe(200);
    const attacks = await hostileClients();
    const done = await waitFor('real-reboot', () => job('real-reboot'), finished, { timeoutMs: 30_000 });
    expect(done.status).toBe('completed');
    expect(done.deviceJobStatistics).toMatchObject({ deviceCount: 50, succeededCount: 50, failedCount: 0 });
    for (const id of FLEET) expect(apps.get(id)?.methodCalls).toEqual([{ reason: 'e2e' }]);
    const rows = await deviceJobs('real-reboot');
    expect(rows).toHaveLength(50);
    for (const row of rows) {
      expect(row.outcome?.deviceMethodResponse).toEqual({
        status: 200,
        payload: { rebootedBy: row.deviceId, got: { reason: 'e2e' } },
      });
    }
    // Each hostile connection was closed by the endpoint; no real device lost its connection.
    expect(attacks.every((closed) => closed)).toBe(true);
    expect(stack.endpoint.connectionCount).toBeGreaterThanOrEqual(50);
  });

  it('delivers a twin job desired patch to every client, whose reported values land in its twin', async () => {
    const created = await stack.http('PUT', '/jobs/v2/real-firmware?api-version=2021-04-12', {
      jobId: 'real-firmware',
      type: 'scheduleUpdateTwin',
      queryCondition: "tags.fleet = 'real'",
      updateTwin: { etag: '*', properties: { desired: { firmware: '2.1.0' } } },
      maxExecutionTimeInSeconds: 120,
    });
    expect(created.status).toBe(200);
    const done = await waitFor('real-firmware', () => job('real-firmware'), finished, { timeoutMs: 30_000 });
    expect(done.deviceJobStatistics).toMatchObject({ succeededCount: 50, failedCount: 0 });
    for (const id of FLEET) {
      expect(apps.get(id)?.desiredPatches).toContainEqual(expect.objectContaining({ firmware: '2.1.0' }));
    }
    await waitFor(
      'reported firmware',
      async () =>
        (await stack
          .http('POST', '/devices/query?api-version=2021-04-12', {
            query: "SELECT COUNT() AS n FROM devices WHERE properties.reported.firmware = '2.1.0'",
          })
          .then((r) => r.json())) as { n: number }[],
      (rows) => rows[0]?.n === 50,
    );
  });

  it('keeps a device of a twin job with a completionCondition running until its twin meets it, or fails it at the timeout', async () => {
    const stubborn = await connectDeviceApp(stack, 'stubborn', { reportsFirmware: false });
    apps.set('stubborn', stubborn);
    const mute = await stack.http(
      'PUT',
      '/devices/mute?api-version=2021-04-12',
      {
        ...(await identity('mute')),
        simulation: { latencyMs: 1, reportsBack: false },
      },
      0,
      { 'If-Match': '*' },
    );
    expect(mute.status).toBe(200);
    const converging = ['real-20', 'real-21', 'real-22', 'real-23', 'echo'];
    const created = await stack.http('PUT', '/jobs/v2/real-until?api-version=2021-04-12', {
      jobId: 'real-until',
      type: 'scheduleUpdateTwin',
      deviceIds: [...converging, 'stubborn', 'mute'],
      updateTwin: { etag: '*', properties: { desired: { firmware: '4.0.0' } } },
      completionCondition: { condition: "properties.reported.firmware = '4.0.0'", timeoutInSeconds: 3 },
      maxExecutionTimeInSeconds: 60,
    });
    expect(created.status).toBe(200);
    expect(await created.json()).toMatchObject({
      completionCondition: { condition: "properties.reported.firmware = '4.0.0'", timeoutInSeconds: 3 },
    });
    // While they wait, the silent devices' rows stay running (counted as such), with their deadline.
    const waiting = await waitFor(
      'devices waiting',
      () => deviceJobs('real-until'),
      (rows) => rows.filter((row) => row.waitingUntil !== undefined).length === 2,
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    expect(
      waiting
        .filter((row) => row.waitingUntil)
        .map((row) => row.deviceId)
        .sort(),
    ).toEqual(['mute', 'stubborn']);
    expect((await job('real-until')).deviceJobStatistics?.runningCount).toBeGreaterThanOrEqual(2);
    const done = await waitFor('real-until', () => job('real-until'), finished, { timeoutMs: 20_000 });
    expect(done.status).toBe('completed');
    expect(done.deviceJobStatistics).toMatchObject({
      deviceCount: 7,
      succeededCount: 5,
      failedCount: 2,
      runningCount: 0,
    });
    const rows = Object.fromEntries((await deviceJobs('real-until')).map((row) => [row.deviceId, row]));
    for (const id of converging) expect(rows[id]).toMatchObject({ status: 'completed' });
    for (const id of ['stubborn', 'mute']) {
      expect(rows[id]).toMatchObject({ status: 'failed', error: { code: 'CompletionConditionTimeout' } });
      expect(rows[id]?.waitingUntil).toBeUndefined();
    }
    expect(stubborn.desiredPatches).toContainEqual(expect.objectContaining({ firmware: '4.0.0' }));
  });

  it('stops the completion timeout while the job is paused; a device that meets its condition meanwhile completes', async () => {
    const late = await connectDeviceApp(stack, 'late-reporter', { reportsFirmware: false });
    apps.set('late-reporter', late);
    const silent = await stack.http(
      'PUT',
      '/devices/hold?api-version=2021-04-12',
      { ...(await identity('hold')), simulation: { latencyMs: 1, reportsBack: false } },
      0,
      { 'If-Match': '*' },
    );
    expect(silent.status).toBe(200);
    const created = await stack.http('PUT', '/jobs/v2/paused-until?api-version=2021-04-12', {
      jobId: 'paused-until',
      type: 'scheduleUpdateTwin',
      deviceIds: ['late-reporter', 'hold'],
      updateTwin: { etag: '*', properties: { desired: { firmware: '5.0.0' } } },
      completionCondition: { condition: "properties.reported.firmware = '5.0.0'", timeoutInSeconds: 3 },
      maxExecutionTimeInSeconds: 60,
    });
    expect(created.status).toBe(200);
    await waitFor(
      'devices waiting',
      () => deviceJobs('paused-until'),
      (rows) => rows.filter((row) => row.waitingUntil !== undefined).length === 2,
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    const paused = await stack.http('POST', '/jobs/v2/paused-until/pause?api-version=2021-04-12');
    expect(paused.status).toBe(200);
    const pausedAt = Date.now();
    // Met while paused: an observation of the twin, so the device completes.
    const reported = late.twin.properties.reported as {
      update(patch: Record<string, unknown>, done: (error?: Error) => void): void;
    };
    await new Promise<void>((resolve, reject) =>
      reported.update({ firmware: '5.0.0' }, (error) => (error ? reject(error) : resolve())),
    );
    await waitFor(
      'late-reporter completed while paused',
      () => deviceJobs('paused-until'),
      (rows) => rows.some((row) => row.deviceId === 'late-reporter' && row.status === 'completed'),
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    // Past the 3 s timeout while paused: the silent device still waits.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, pausedAt + 4_000 - Date.now())));
    const held = (await deviceJobs('paused-until')).find((row) => row.deviceId === 'hold');
    expect(held).toMatchObject({ status: 'running' });
    expect(held?.waitingUntil).toBeDefined();
    expect((await job('paused-until')).status).toBe('paused');
    const resumed = await stack.http('POST', '/jobs/v2/paused-until/resume?api-version=2021-04-12');
    expect(resumed.status).toBe(200);
    const done = await waitFor('paused-until', () => job('paused-until'), finished, { timeoutMs: 15_000 });
    expect(done).toMatchObject({
      status: 'completed',
      deviceJobStatistics: { deviceCount: 2, succeededCount: 1, failedCount: 1, runningCount: 0 },
    });
    const rows = Object.fromEntries((await deviceJobs('paused-until')).map((row) => [row.deviceId, row]));
    expect(rows['hold']).toMatchObject({ status: 'failed', error: { code: 'CompletionConditionTimeout' } });
  });

  it('fails the call of a device that disconnects mid-job, not the job; a silent device times out (504)', async () => {
    const quitter = await connectDeviceApp(stack, 'quitter', {
      onReboot: async (app) => {
        await app.client.close();
        return undefined;
      },
    });
    const steady = await connectDeviceApp(stack, 'steady');
    const silent = await connectDeviceApp(stack, 'silent', { onReboot: () => Promise.resolve(undefined) });
    apps.set('steady', steady).set('silent', silent);
    const silentCall = stack.http('POST', '/twins/silent/methods?api-version=2021-04-12', {
      methodName: 'reboot',
      responseTimeoutInSeconds: 5,
    });
    await stack.http('PUT', '/jobs/v2/real-quit?api-version=2021-04-12', {
      jobId: 'real-quit',
      type: 'scheduleDeviceMethod',
      queryCondition: "tags.fleet = 'quitting'",
      cloudToDeviceMethod: { methodName: 'reboot', payload: null, responseTimeoutInSeconds: 10 },
      maxExecutionTimeInSeconds: 60,
    });
    const done = await waitFor('real-quit', () => job('real-quit'), finished, { timeoutMs: 20_000 });
    expect(done.status).toBe('completed');
    const rows = await deviceJobs('real-quit');
    const byId = Object.fromEntries(rows.map((row) => [row.deviceId, row]));
    expect(byId.steady?.status).toBe('completed');
    expect(byId.quitter).toMatchObject({ status: 'failed', error: { code: 'DeviceNotOnline' } });
    expect(quitter.methodCalls).toHaveLength(1);
    const timedOut = await silentCall;
    expect(timedOut.status).toBe(504);
    expect(timedOut.headers.get('iothub-errorcode')).toBe('GatewayTimeout');
  });

  it('serves methods and desired changes from a second app host through the same endpoint', async () => {
    const app = apps.get('real-03');
    const call = await stack.http(
      'POST',
      '/twins/real-03/methods?api-version=2021-04-12',
      { methodName: 'reboot', payload: { from: 'host 2' } },
      1,
    );
    expect(call.status).toBe(200);
    expect(await call.json()).toEqual({
      status: 200,
      payload: { rebootedBy: 'real-03', got: { from: 'host 2' } },
    });
    const patch = await stack.http(
      'PATCH',
      '/twins/real-03?api-version=2021-04-12',
      { properties: { desired: { firmware: '3.0.0' } } },
      1,
    );
    expect(patch.status).toBe(200);
    await waitFor(
      'desired on real-03',
      () => Promise.resolve(app?.desiredPatches ?? []),
      (patches) => patches.some((p) => p.firmware === '3.0.0'),
    );
  });

  it('waits up to connectTimeoutInSeconds for a disconnected device, and answers DeviceNotOnline without it', async () => {
    const first = await connectDeviceApp(stack, 'late');
    await first.client.close();
    await waitFor(
      'late disconnected',
      () => identity('late'),
      (d) => d.connectionState === 'Disconnected',
    );
    const offline = await stack.http('POST', '/twins/late/methods?api-version=2021-04-12', {
      methodName: 'reboot',
    });
    expect(offline.status).toBe(404);
    expect(offline.headers.get('iothub-errorcode')).toBe('DeviceNotOnline');
    const waiting = stack.http('POST', '/twins/late/methods?api-version=2021-04-12', {
      methodName: 'reboot',
      connectTimeoutInSeconds: 20,
    });
    // Meanwhile a desired change lands: the device reads it with its twin GET when it reconnects.
    await stack.http('PATCH', '/twins/late?api-version=2021-04-12', {
      properties: { desired: { firmware: '9.9.9' } },
    });
    const again = await connectDeviceApp(stack, 'late');
    apps.set('late', again);
    const answered = await waiting;
    expect(answered.status).toBe(200);
    expect(again.twin.properties.desired.firmware).toBe('9.9.9');
  });

  it('makes a real device simulated again when a simulation profile is set', async () => {
    const app = await connectDeviceApp(stack, 'switch');
    await app.client.close();
    await waitFor(
      'switch disconnected',
      () => identity('switch'),
      (d) => d.connectionState === 'Disconnected',
    );
    const current = await identity('switch');
    const updated = await stack.http(
      'PUT',
      '/devices/switch?api-version=2021-04-12',
      { ...current, simulation: { latencyMs: 1 } },
      0,
      { 'If-Match': '*' },
    );
    expect(updated.status).toBe(200);
    const device = await identity('switch');
    expect(device.deviceKind).toBeUndefined();
    expect(device.connectionState).toBe('Connected');
    const call = await stack.http('POST', '/twins/switch/methods?api-version=2021-04-12', {
      methodName: 'ping',
    });
    expect(await call.json()).toEqual({ status: 200, payload: { methodName: 'ping', echo: null } });
  });

  it('survives an endpoint restart: clients reconnect and are Connected again', async () => {
    await stack.restartEndpoint();
    await waitFor(
      'fleet reconnected',
      async () => {
        const response = await stack.http('POST', '/devices/query?api-version=2021-04-12', {
          query:
            "SELECT COUNT() AS n FROM devices WHERE tags.fleet = 'real' AND connectionState = 'Connected'",
        });
        return (await response.json()) as { n: number }[];
      },
      (rows) => rows[0]?.n === 50,
      { timeoutMs: 45_000, intervalMs: 250 },
    );
    const call = await stack.http('POST', '/twins/real-11/methods?api-version=2021-04-12', {
      methodName: 'reboot',
      payload: 'after restart',
      // Connected comes first, the SDK's subscriptions right after: wait for them as IoT Hub would.
      connectTimeoutInSeconds: 10,
    });
    expect(await call.json()).toEqual({
      status: 200,
      payload: { rebootedBy: 'real-11', got: 'after restart' },
    });
  }, 60_000);
});

/** Garbage, an oversized packet, another device's topic, and a flood of bad keys: each closed by the endpoint. */
async function hostileClients(): Promise<boolean[]> {
  const token = (deviceId: string, key: string) =>
    createSasToken(
      `localhost/devices/${deviceId}`,
      { name: '', key },
      Math.ceil(Date.now() / 1000) + 600,
    ).replace(/&skn=$/, '');
  const connect = (deviceId: string, key = deviceKey(deviceId)) =>
    mqtt.generate({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clientId: deviceId,
      clean: true,
      keepalive: 60,
      username: `localhost/${deviceId}/?api-version=2021-04-12`,
      password: Buffer.from(token(deviceId, key)),
    });
  const publish = (topic: string, payload: Buffer) =>
    mqtt.generate({ cmd: 'publish', topic, payload, qos: 0, dup: false, retain: false });
  const attempts: Buffer[][] = [
    [Buffer.from('GET / HTTP/1.1\r\n\r\n garbage \x00\xff')],
    [connect('rogue-1'), publish('devices/rogue-1/messages/events/', Buffer.alloc(400 * 1024, 1))],
    [connect('rogue-2'), publish('devices/real-42/messages/events/', Buffer.from('x'))],
    ...Array.from({ length: 20 }, (_, i) => [
      connect(`real-${String(i).padStart(2, '0')}`, deviceKey('wrong')),
    ]),
  ];
  return Promise.all(attempts.map((packets) => sendAndAwaitClose(packets)));
}

function sendAndAwaitClose(packets: Buffer[]): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tls.connect({
      host: '127.0.0.1',
      port: stack.endpoint.port,
      ca: stack.endpoint.ca,
      servername: 'localhost',
    });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(false);
    }, 10_000);
    socket.on('secureConnect', () => {
      for (const packet of packets) socket.write(packet);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
    socket.resume();
  });
}
