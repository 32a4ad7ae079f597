/**
 * IoT Hub's published throttle for "jobs device operations" (update twin, invoke direct method), per tier and
 * units: Free and S1 10/s flat; S2 the higher of 10/s or 1/s/unit; S3 50/s/unit. Source: Microsoft's "IoT Hub
 * quotas and throttling" (iot-hub-devguide-quotas-throttling.md, 2025-05-21). Basic tiers have no twins, direct
 * methods or jobs.
 */
const JOBS_DEVICE_OPERATIONS: Readonly<Record<string, (units: number) => number>> = {
  F1: () => 10,
  S1: () => 10,
  S2: (units) => Math.max(10, units),
  S3: (units) => 50 * units,
};

export const IOTHUB_SKUS = Object.keys(JOBS_DEVICE_OPERATIONS);

/** Jobs device operations per second a hub of `sku` (any case) and `units` allows; `undefined` for an unknown or Basic tier. */
export function jobsDeviceOperationsPerSecond(sku: string, units: number): number | undefined {
  return JOBS_DEVICE_OPERATIONS[sku.toUpperCase()]?.(units);
}
