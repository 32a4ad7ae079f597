import { DeviceRegistryRepository } from './device-registry.repository';
import { DeviceEndpointsRepository } from './device-endpoints.repository';
import { TableCompletionWaits } from './completion-waits.repository';
import { queueJobWaker } from './job-waker-queue';
import type { JobWaker } from '../devices/ports';
import type { StorageAccount } from './storage-clients';
import { lazyTable } from './table-support';
import { registryIndexTables } from './registry-index-tables';

/** Table of the embedded device registry. */
export const REGISTRY_TABLE = 'RegistryDevices';
/** The one table of the embedded registry's old twin-index layout, migrated and dropped on first use. */
export const REGISTRY_INDEX_TABLE = 'RegistryIndex';
/** Prefix of the twin index's per-path tables (`RegistryIx000`…`RegistryIxfff`) and of its state table. */
export const REGISTRY_INDEX_TABLE_PREFIX = 'RegistryIx';
/** Table of the devices waiting for a job's completion condition (the jobs' waits, the twin writers' watches). */
export const COMPLETION_WAITS_TABLE = 'CompletionWaits';
/** Queue of wake messages for jobs whose waiting devices met their condition (the app raises an event). */
export const COMPLETION_SIGNALS_QUEUE = 'completion-signals';
/** Table where running device endpoints announce themselves to the app hosts. */
export const DEVICE_ENDPOINTS_TABLE = 'DeviceEndpoints';

/**
 * The embedded registry's storage, as the app and the device endpoint both build it: one registry, one table
 * layout, whichever process reads or writes it.
 */
export function deviceRegistryStorage(account: StorageAccount): {
  repository: DeviceRegistryRepository;
  endpoints: DeviceEndpointsRepository;
  waits: TableCompletionWaits;
  waker: JobWaker;
} {
  return {
    repository: new DeviceRegistryRepository(
      lazyTable(account, REGISTRY_TABLE),
      registryIndexTables(account, { prefix: REGISTRY_INDEX_TABLE_PREFIX, legacy: REGISTRY_INDEX_TABLE }),
      { log: (message) => console.warn(message) },
    ),
    endpoints: new DeviceEndpointsRepository(lazyTable(account, DEVICE_ENDPOINTS_TABLE)),
    waits: new TableCompletionWaits(lazyTable(account, COMPLETION_WAITS_TABLE)),
    waker: queueJobWaker(account, COMPLETION_SIGNALS_QUEUE),
  };
}
