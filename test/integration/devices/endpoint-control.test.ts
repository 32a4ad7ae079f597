import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connections } from '../../../packages/device-endpoint/connections';
import { startControlServer } from '../../../packages/device-endpoint/control-server';
import type { DeviceSession } from '../../../packages/device-endpoint/device-session';
import { DeviceNotOnlineError, GatewayTimeoutError, IotHubError } from '../../../shared/http';
import type { DeviceRecord, JsonObject } from '../../../shared/devices/device-model';
import { EndpointDeviceLink } from '../../../shared/devices/endpoint-link';
import type { MethodResult } from '../../../shared/devices/method-request';
import type { EndpointAnnouncement } from '../../../shared/devices/ports';

const ENDPOINT_ID = 'endpoint-1';
const SECRET = 'control-secret';

/** A connected device as the control API sees it: it answers a method after `answerMs`, or as `behaviour` says. */
function fakeSession(
  deviceId: string,
  behaviour: { answerMs?: number; fail?: Error; received?: JsonObject[] } = {},
): DeviceSession {
  return {
    deviceId,
    connected: true,
    subscriptions: new Set(['methods', 'desired']),
    close: () => undefined,
    callMethod: async (methodName: string, payload: unknown): Promise<MethodResult> => {
      await sleep(behaviour.answerMs ?? 5, undefined, { ref: false });
      if (behaviour.fail) throw behaviour.fail;
      return { status: 200, payload: { deviceId, methodName, payload } };
    },
    notifyDesired: (patch: JsonObject) => {
      behaviour.received?.push(patch);
      return true;
    },
  } as unknown as DeviceSession;
}

function connectedRecord(deviceId: string): DeviceRecord {
  const at = new Date().toISOString();
  return {
    deviceId,
    status: 'enabled',
    connection: {
      state: 'Connected',
      stateUpdatedTime: at,
      lastActivityTime: at,
      endpointId: ENDPOINT_ID,
      connectionId: `${deviceId}-connection`,
    },
  } as unknown as DeviceRecord;
}

const call = (payload: unknown = null) => ({
  methodName: 'reboot',
  payload,
  responseTimeoutInSeconds: 30,
  connectTimeoutInSeconds: 0,
});

describe('the device endpoint control API: calls of one moment in one batch, each answered as it settles', () => {
  const connections = new Connections<DeviceSession>();
  let control: Awaited<ReturnType<typeof startControlServer>>;
  let link: EndpointDeviceLink;
  let announcement: EndpointAnnouncement;
  const requests = jest.spyOn(http, 'request');

  beforeAll(async () => {
    control = await startControlServer({ host: '127.0.0.1', secret: SECRET, connections });
    announcement = { endpointId: ENDPOINT_ID, controlUrl: control.url, secret: SECRET, startedAt: '' };
    link = new EndpointDeviceLink({
      announce: () => Promise.resolve(),
      withdraw: () => Promise.resolve(),
      get: () => Promise.resolve(announcement),
      latest: () => Promise.resolve(announcement),
    });
  });

  afterAll(() => control.close());

  beforeEach(() => requests.mockClear());

  it('sends 200 calls made at once in one request, answers each with its own device result, and a slow device holds up no other', async () => {
    const ids = Array.from({ length: 200 }, (_, i) => `fast-${i}`);
    for (const [i, id] of ids.entries()) connections.attach(fakeSession(id, { answerMs: 5 + (i % 20) }));
    connections.attach(fakeSession('slow', { answerMs: 1_500 }));
    const settledOrder: string[] = [];
    const calls = ['slow', ...ids].map((id, i) =>
      link.invokeMethod(connectedRecord(id), call({ n: i })).then((result) => {
        settledOrder.push(id);
        return result;
      }),
    );
    const results = await Promise.all(calls);

    expect(requests).toHaveBeenCalledTimes(1);
    expect(results[0]).toEqual({
      status: 200,
      payload: { deviceId: 'slow', methodName: 'reboot', payload: { n: 0 } },
    });
    expect(results[200]).toEqual({
      status: 200,
      payload: { deviceId: 'fast-199', methodName: 'reboot', payload: { n: 200 } },
    });
    expect(settledOrder.at(-1)).toBe('slow');
  });

  it('fails only the calls whose device is away or silent: DeviceNotOnline (404), GatewayTimeout (504)', async () => {
    connections.attach(fakeSession('answers'));
    connections.attach(
      fakeSession('silent', {
        fail: new GatewayTimeoutError('Timed out waiting for the response from device silent.'),
      }),
    );
    connections.attach(fakeSession('dropped', { fail: new DeviceNotOnlineError('dropped') }));
    const outcomes = await Promise.allSettled(
      ['answers', 'silent', 'dropped', 'never-connected'].map((id) =>
        link.invokeMethod(connectedRecord(id), call()),
      ),
    );

    expect(requests).toHaveBeenCalledTimes(1);
    expect(outcomes[0]).toMatchObject({ status: 'fulfilled', value: { status: 200 } });
    expect(outcomes[1]).toMatchObject({
      status: 'rejected',
      reason: { code: 'GatewayTimeout', status: 504 },
    });
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(GatewayTimeoutError);
    for (const outcome of outcomes.slice(2)) {
      expect(outcome).toMatchObject({ status: 'rejected', reason: { code: 'DeviceNotOnline', status: 404 } });
    }
  });

  it('delivers desired changes in a batch beside method calls', async () => {
    const received: JsonObject[] = [];
    connections.attach(fakeSession('listens', { received }));
    await Promise.all([
      link.notifyDesired(connectedRecord('listens'), { firmware: '2.0', $version: 3 }),
      link.notifyDesired(connectedRecord('not-here'), { firmware: '2.0', $version: 3 }),
      link.invokeMethod(connectedRecord('listens'), call()),
    ]);

    expect(requests).toHaveBeenCalledTimes(1);
    expect(received).toEqual([{ firmware: '2.0', $version: 3 }]);
  });

  it('answers a refused control secret as a fault of the deployment, not of the device', async () => {
    const wrong = new EndpointDeviceLink({
      announce: () => Promise.resolve(),
      withdraw: () => Promise.resolve(),
      get: () => Promise.resolve({ ...announcement, secret: 'wrong-secret' }),
      latest: () => Promise.resolve(undefined),
    });
    const failure = await wrong
      .invokeMethod(connectedRecord('answers'), call())
      .catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(Error);
    expect(failure).not.toBeInstanceOf(IotHubError);
    expect(String(failure)).toContain('401 Unauthorized');
  });

  it('fails the calls still out as DeviceNotOnline when the endpoint goes away mid-batch', async () => {
    connections.attach(fakeSession('quick', { answerMs: 1 }));
    connections.attach(fakeSession('lingering', { answerMs: 5_000 }));
    const quick = link.invokeMethod(connectedRecord('quick'), call());
    const lingering = link
      .invokeMethod(connectedRecord('lingering'), call())
      .catch((error: unknown) => error);
    await expect(quick).resolves.toMatchObject({ status: 200 });
    await control.close();

    expect(await lingering).toBeInstanceOf(DeviceNotOnlineError);
  });
});
