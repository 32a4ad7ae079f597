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
