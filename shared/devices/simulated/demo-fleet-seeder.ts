import { runBulkOperation, MAX_BULK_DEVICES } from './bulk-registry';
import { demoFleet } from './demo-fleet';
import type { EmbeddedRegistry } from './embedded-registry';

/**
 * Creates the demo fleet when the registry holds no device at all (a fresh `npm start`), so new users have
 * devices to run jobs on. Returns how many devices it created (0 when the registry was not empty).
 */
export async function seedDemoFleetIfEmpty(registry: EmbeddedRegistry, size: number): Promise<number> {
  if (size <= 0) return 0;
  for await (const _ of registry.repository.scan({ pageSize: 1 })) return 0;
  const fleet = demoFleet({ devices: size, offlineRate: 0.02 });
  let created = 0;
  for (let start = 0; start < fleet.length; start += MAX_BULK_DEVICES) {
    const batch = fleet.slice(start, start + MAX_BULK_DEVICES);
    const result = await runBulkOperation(registry, batch);
    created += batch.length - result.errors.length;
  }
  return created;
}

/** When the demo fleet is seeded: a timer function's schedule and whether it also runs when the host starts. */
export interface DemoFleetTimer {
  schedule: string;
  runOnStartup: boolean;
}

/**
 * The timer that seeds the demo fleet, or none when no fleet is asked for (`DEMO_FLEET_SIZE` 0, or a real hub).
 * Locally it runs when the host starts. In Azure it does not: `runOnStartup` fires on every instance the app
 * scales out to (and would wake a Flex Consumption app for nothing); a timer every 15 minutes seeds the empty
 * registry there instead, each later run costing one read.
 */
export function demoFleetTimer(
  devices: { gateway: string; demoFleetSize: number },
  runsInAzure: boolean,
): DemoFleetTimer | undefined {
  if (devices.gateway !== 'simulated' || devices.demoFleetSize === 0) return undefined;
  return runsInAzure
    ? { schedule: '0 */15 * * * *', runOnStartup: false }
    : { schedule: '0 0 0 1 1 *', runOnStartup: true };
}
