import { DeviceRegistryRepository } from './device-registry.repository';
import { DeviceEndpointsRepository } from './device-endpoints.repository';
import type { StorageAccount } from './storage-clients';
import { lazyTable } from './table-support';

/** Table of the embedded device registry. */
export const REGISTRY_TABLE = 'RegistryDevices';
/** Table of the embedded registry's twin index (docs/devices.md). */
export const REGISTRY_INDEX_TABLE = 'RegistryIndex';
/** Table where running device endpoints announce themselves to the app hosts. */
export const DEVICE_ENDPOINTS_TABLE = 'DeviceEndpoints';

/**
 * The embedded registry's storage, as the app and the device endpoint both build it: one registry, one table
 * layout, whichever process reads or writes it.
 */
export function deviceRegistryStorage(account: StorageAccount): {
  repository: DeviceRegistryRepository;
  endpoints: DeviceEndpointsRepository;
} {
  return {
    repository: new DeviceRegistryRepository(
      lazyTable(account, REGISTRY_TABLE),
      lazyTable(account, REGISTRY_INDEX_TABLE),
    ),
    endpoints: new DeviceEndpointsRepository(lazyTable(account, DEVICE_ENDPOINTS_TABLE)),
  };
}
