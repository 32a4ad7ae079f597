import type { DeviceTiming } from '../../jobs/core/job-estimate';
import type { DeviceRecord } from '../device-model';
import { isOnline } from './simulated-device';
import type { SimulationProfile } from './simulation-profile';

/**
 * How a simulated device answers a method on average, read from its profile as the simulator plays it: offline or
 * disabled → DeviceNotOnline at once; a latency beyond the response timeout → GatewayTimeout after the timeout
 * (for a range, the share of it beyond); a failure draw → status 500.
 */
export function profileTiming(
  record: DeviceRecord,
  profile: SimulationProfile,
  method: { methodName: string; responseTimeoutInSeconds: number } | undefined,
): DeviceTiming {
  if (!isOnline(record, profile))
    return { latencySeconds: 0, failureRate: 0, timeoutRate: 1, timeoutSeconds: 0 };
  const timeoutMs = (method?.responseTimeoutInSeconds ?? Number.POSITIVE_INFINITY) * 1000;
  const [min, max] =
    typeof profile.latencyMs === 'number'
      ? [profile.latencyMs, profile.latencyMs]
      : (profile.latencyMs ?? [0, 0]);
  const width = max - min;
  const timeoutRate = max <= timeoutMs ? 0 : width === 0 ? 1 : (max - Math.max(min, timeoutMs)) / width;
  const answered = Math.min(max, timeoutMs);
  const methods = profile.methods;
  const answer =
    method && methods && Object.hasOwn(methods, method.methodName) ? methods[method.methodName] : undefined;
  // A device set to answer this method with an error fails on every call; otherwise on its failure draws.
  const failureRate = answer && answer.status >= 400 ? 1 : (profile.failureRate ?? 0);
  return {
    latencySeconds: (min + answered) / 2 / 1000,
    failureRate,
    timeoutRate,
    timeoutSeconds: timeoutMs === Number.POSITIVE_INFINITY ? 0 : timeoutMs / 1000,
  };
}
