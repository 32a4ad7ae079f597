import { DeviceNotOnlineError } from '../http';
import type { MethodInvocation, MethodResult } from './method-request';
import type { StoredDevice } from './ports';
import { isReal } from './real-device';
import type { EmbeddedRegistry } from './simulated/embedded-registry';
import { realSleep, simulateMethod, type Sleep } from './simulated/method-simulator';

export interface MethodCallOptions {
  sleep?: Sleep;
  /** Which attempt of a job's call this is (a simulated retry draws anew). */
  attempt?: number;
  /** The device as the caller just read it (then it is not read again). */
  known?: StoredDevice;
}

/**
 * A direct method on a device of the embedded registry: a real device (one a client has connected as) answers
 * through the device endpoint, a simulated one as its profile says.
 */
export async function invokeDeviceMethod(
  registry: EmbeddedRegistry,
  deviceId: string,
  call: Required<MethodInvocation>,
  options: MethodCallOptions = {},
): Promise<MethodResult> {
  const stored = options.known ?? (await registry.read(deviceId));
  const record = registry.current(stored.record);
  if (isReal(record)) {
    if (!registry.link) throw new DeviceNotOnlineError(deviceId);
    return registry.link.invokeMethod(record, call);
  }
  return simulateMethod(registry, deviceId, call, options.sleep ?? realSleep, options.attempt ?? 1, stored);
}
