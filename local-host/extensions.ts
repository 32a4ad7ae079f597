import { DurableExtension } from './durable/durable-extension';
import type { HostExtension } from './host/extension';

/** The binding extensions the local host ships, in HTTP routing order. */
export function createExtensions(): HostExtension[] {
  return [new DurableExtension()];
}
