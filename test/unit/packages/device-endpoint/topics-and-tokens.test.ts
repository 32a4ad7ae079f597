import {
  devicePublishOf,
  subscriptionKind,
  twinResponseTopic,
} from '../../../../packages/device-endpoint/topics';
import { deviceTokenValid, deviceUserNameValid, signSas } from '../../../../shared/http/sas-authorizer';
import { desiredNotification, withConnected, withDisconnected } from '../../../../shared/devices/real-device';
import type { DeviceRecord } from '../../../../shared/devices/device-model';

const key = Buffer.alloc(32, 3).toString('base64');
const other = Buffer.alloc(32, 4).toString('base64');
const now = Date.parse('2026-01-01T00:00:00Z');

function token(resource: string, signingKey = key, expiry = now / 1000 + 3600, extra = ''): string {
  const sr = encodeURIComponent(resource);
  const sig = encodeURIComponent(signSas(signingKey, sr, String(expiry)));
  return `SharedAccessSignature sr=${sr}&sig=${sig}&se=${expiry}${extra}`;
}

const check = { hostName: 'LocalHost', deviceId: 'dev-1', keys: [other, key], now };

describe('device SAS tokens', () => {
  it('accepts the primary or secondary key, the host with or without a port, in any case', () => {
    expect(deviceTokenValid(token('localhost/devices/dev-1'), check)).toBe(true);
    expect(deviceTokenValid(token('LOCALHOST:8883/devices/dev-1', other), check)).toBe(true);
  });

  it('refuses another device (ids are case-sensitive), another hub, a foreign key, an expired token or a policy token', () => {
    expect(deviceTokenValid(token('localhost/devices/dev-2'), check)).toBe(false);
    expect(deviceTokenValid(token('localhost/devices/DEV-1'), check)).toBe(false);
    expect(deviceTokenValid(token('otherhub/devices/dev-1'), check)).toBe(false);
    expect(
      deviceTokenValid(token('localhost/devices/dev-1', Buffer.alloc(32, 5).toString('base64')), check),
    ).toBe(false);
    expect(deviceTokenValid(token('localhost/devices/dev-1', key, now / 1000 - 1), check)).toBe(false);
    expect(deviceTokenValid(token('localhost/devices/dev-1', key, undefined, '&skn=owner'), check)).toBe(
      false,
    );
    expect(deviceTokenValid('garbage', check)).toBe(false);
    expect(deviceTokenValid(undefined, check)).toBe(false);
  });

  it('checks the MQTT user name names this hub and device', () => {
    expect(
      deviceUserNameValid('localhost/dev-1/?api-version=2021-04-12&DeviceClientType=x', 'localhost', 'dev-1'),
    ).toBe(true);
    expect(deviceUserNameValid('localhost:8883/dev-1/api-version=2016-11-14', 'localhost', 'dev-1')).toBe(
      true,
    );
    expect(deviceUserNameValid('localhost/dev-2/?api-version=2021-04-12', 'localhost', 'dev-1')).toBe(false);
    expect(deviceUserNameValid('elsewhere/dev-1/?api-version=2021-04-12', 'localhost', 'dev-1')).toBe(false);
  });
});

describe('IoT Hub device topics', () => {
  it('knows a device’s own subscriptions and nothing else', () => {
    expect(subscriptionKind('$iothub/methods/POST/#', 'd')).toBe('methods');
    expect(subscriptionKind('$iothub/twin/res/#', 'd')).toBe('twinResponses');
    expect(subscriptionKind('$iothub/twin/PATCH/properties/desired/#', 'd')).toBe('desired');
    expect(subscriptionKind('devices/d/messages/devicebound/#', 'd')).toBe('cloudToDevice');
    expect(subscriptionKind('devices/e/messages/devicebound/#', 'd')).toBeUndefined();
    expect(subscriptionKind('#', 'd')).toBeUndefined();
  });

  it('reads what a device publishes, refusing other devices’ topics', () => {
    expect(devicePublishOf('$iothub/methods/res/200/?$rid=a1', 'd')).toEqual({
      kind: 'methodResponse',
      status: 200,
      requestId: 'a1',
    });
    expect(devicePublishOf('$iothub/twin/GET/?$rid=7', 'd')).toEqual({ kind: 'twinGet', requestId: '7' });
    expect(devicePublishOf('$iothub/twin/PATCH/properties/reported/?$rid=8', 'd')).toEqual({
      kind: 'reportedPatch',
      requestId: '8',
    });
    expect(devicePublishOf('devices/d/messages/events/a=b', 'd')).toEqual({ kind: 'telemetry' });
    expect(devicePublishOf('devices/e/messages/events/', 'd')).toBeUndefined();
    expect(devicePublishOf('$iothub/twin/GET/', 'd')).toBeUndefined();
    expect(twinResponseTopic(204, '8', 3)).toBe('$iothub/twin/res/204/?$rid=8&$version=3');
  });
});

describe('real device records', () => {
  const record = {
    deviceId: 'd',
    status: 'enabled',
    simulation: { latencyMs: 5 },
    reportDueAt: now,
    desired: { values: { a: 1, b: 2 }, version: 4, metadata: {} },
  } as unknown as DeviceRecord;

  it('becomes real on connect, and only its own connection records its end', () => {
    const connected = withConnected(record, 'ep', 'c1', now);
    expect(connected.simulation).toBeUndefined();
    expect(connected.reportDueAt).toBeUndefined();
    expect(connected.connection).toMatchObject({ state: 'Connected', endpointId: 'ep', connectionId: 'c1' });
    expect(withDisconnected(connected, 'c0', now)).toBeUndefined();
    expect(withDisconnected(connected, 'c1', now)?.connection?.state).toBe('Disconnected');
  });

  it('notifies a patch as given, and a replacement with null for removed keys', () => {
    const after = { ...record, desired: { values: { a: 3 }, version: 5, metadata: {} } } as DeviceRecord;
    expect(desiredNotification(record, after, { desired: { a: 3, b: null } }, 'patch')).toEqual({
      a: 3,
      b: null,
      $version: 5,
    });
    expect(desiredNotification(record, after, {}, 'replace')).toEqual({ a: 3, b: null, $version: 5 });
    expect(desiredNotification(record, record, {}, 'patch')).toBeUndefined();
  });
});
