import type { HostExtension } from './host/extension';

/** The binding extensions the local host ships, in HTTP routing order. */
export function createExtensions(): HostExtension[] {
  return [];
}
