import { DeviceNotOnlineError, GatewayTimeoutError } from '../../http';
import type { MethodInvocation, MethodResult } from '../method-request';
import type { StoredDevice } from '../ports';
import type { EmbeddedRegistry } from './embedded-registry';
import { isOnline } from './simulated-device';
import { drawsFor, latencyFrom } from './simulation-draws';

export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const ECHO_LIMIT_BYTES = 1024;

/**
 * A simulated device answering a direct method per its profile: offline or disabled → DeviceNotOnline at once;
 * latency beyond the response timeout → GatewayTimeout after the timeout; a failure draw → status 500; a
 * configured answer for the method; otherwise 200 with a small echo. Draws derive from the seed, the device,
 * the method, its payload and the attempt, so a seeded run answers the same call the same way and a retry anew.
 * `known`: the device as just read by the caller (then it is not read again).
 */
export async function simulateMethod(
  registry: EmbeddedRegistry,
  deviceId: string,
  call: Required<MethodInvocation>,
  sleep: Sleep = realSleep,
  attempt = 1,
  known?: StoredDevice,
): Promise<MethodResult> {
  const record = known ? registry.current(known.record) : (await registry.read(deviceId)).record;
  const profile = registry.profileOf(record);
  if (!isOnline(record, profile)) throw new DeviceNotOnlineError(deviceId);
  const [latencyDraw, failureDraw] = drawsFor(
    registry.seed,
    deviceId,
    'method',
    call.methodName,
    JSON.stringify(call.payload),
    // A retry draws afresh (the first attempt keeps the draws of a single call).
    ...(attempt > 1 ? [`attempt ${attempt}`] : []),
  );
  const latency = latencyFrom(profile.latencyMs, latencyDraw);
  const timeoutMs = call.responseTimeoutInSeconds * 1000;
  if (latency > timeoutMs) {
    await sleep(timeoutMs);
    throw new GatewayTimeoutError(`Timed out waiting for the response from device ${deviceId}.`);
  }
  await sleep(latency);
  if (failureDraw < (profile.failureRate ?? 0)) {
    return { status: 500, payload: { error: `Simulated failure of ${call.methodName} on ${deviceId}.` } };
  }
  const { methods } = profile;
  const answer = methods && Object.hasOwn(methods, call.methodName) ? methods[call.methodName] : undefined;
  if (answer) return { status: answer.status, payload: answer.payload ?? null };
  const echo =
    Buffer.byteLength(JSON.stringify(call.payload)) <= ECHO_LIMIT_BYTES ? call.payload : '(payload omitted)';
  return { status: 200, payload: { methodName: call.methodName, echo } };
}
