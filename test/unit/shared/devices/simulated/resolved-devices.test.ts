import type { DeviceRecord } from '../../../../../shared/devices/device-model';
import { ResolvedDevices } from '../../../../../shared/devices/simulated/resolved-devices';
import type { StoredDevice } from '../../../../../shared/devices/ports';

function stored(deviceId: string, storageEtag = 'e1'): StoredDevice {
  return { record: { deviceId } as DeviceRecord, storageEtag };
}

describe('ResolvedDevices', () => {
  let now = 0;
  const kept = (maxEntries = 3, maxAgeMs = 1_000) =>
    new ResolvedDevices({ maxEntries, maxAgeMs, now: () => now });

  beforeEach(() => {
    now = 0;
  });

  it('gives a kept device once', () => {
    const devices = kept();
    devices.keep(stored('a'));
    expect(devices.take('a')?.record.deviceId).toBe('a');
    expect(devices.take('a')).toBeUndefined();
    expect(devices.take('never-kept')).toBeUndefined();
  });

  it('keeps the latest read of a device', () => {
    const devices = kept();
    devices.keep(stored('a', 'e1'));
    devices.keep(stored('a', 'e2'));
    expect(devices.take('a')?.storageEtag).toBe('e2');
  });

  it('does not give a device kept longer than the most age', () => {
    const devices = kept(3, 1_000);
    devices.keep(stored('a'));
    now = 1_000;
    devices.keep(stored('b'));
    now = 1_001;
    expect(devices.take('a')).toBeUndefined();
    expect(devices.take('b')?.record.deviceId).toBe('b');
  });

  it('gives a device to an etag-checked write whatever its age, once', () => {
    const devices = kept(3, 1_000);
    devices.keep(stored('a'));
    now = 60_000;
    expect(devices.takeForWrite('a')?.record.deviceId).toBe('a');
    expect(devices.takeForWrite('a')).toBeUndefined();
    expect(devices.take('a')).toBeUndefined();
  });

  it('forgets the oldest devices beyond the most entries', () => {
    const devices = kept(2);
    for (const id of ['a', 'b', 'c']) devices.keep(stored(id));
    expect(devices.take('a')).toBeUndefined();
    expect(devices.take('b')).toBeDefined();
    expect(devices.take('c')).toBeDefined();
  });
});
