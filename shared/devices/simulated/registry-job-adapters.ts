import type { RegistryExportSource, RegistryImportTarget } from '../../registry-jobs/registry-job-steps';
import { applyImportLines } from './bulk-import';
import type { EmbeddedRegistry } from './embedded-registry';
import { exportLineOf } from './export-lines';

/** Partitions of the registry table (`d00`…`d31`): a scan position says how far through the registry it is. */
const REGISTRY_PARTITIONS = 32;

/** The embedded registry as export jobs read it: pages of `devices.txt` lines in the registry's key order. */
export function registryExportSource(registry: EmbeddedRegistry): RegistryExportSource {
  return {
    async page(after, limit, excludeKeys) {
      const lines: string[] = [];
      let last: { partitionKey: string; rowKey: string } | undefined;
      for await (const { device, position } of registry.repository.scan({ after, pageSize: limit })) {
        lines.push(JSON.stringify(exportLineOf(registry.current(device.record), excludeKeys)));
        last = position;
        if (lines.length >= limit) break;
      }
      return { lines, last };
    },
    fractionBefore(position) {
      const partition = Number(/^d(\d+)$/.exec(position.partitionKey)?.[1] ?? 0);
      return Math.min(1, (partition + 0.5) / REGISTRY_PARTITIONS);
    },
  };
}

/** The embedded registry as import jobs write it: each line through the registry's write path. */
export function registryImportTarget(registry: EmbeddedRegistry): RegistryImportTarget {
  return {
    apply: (lines, options) => applyImportLines(registry, lines, options),
  };
}
