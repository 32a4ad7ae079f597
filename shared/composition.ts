import { loadConfig, type AppConfig } from './config';
import { SasAuthorizer } from './http/sas-authorizer';
import type { QuerySource } from './query';
import type { QuerySourceHandler } from './devices/query-sources';
import { EmbeddedRegistry } from './devices/simulated/embedded-registry';
import { queryTwins } from './devices/simulated/twin-query';
import type { DeviceGateway } from './devices/device-gateway';
import { SimulatedDeviceGateway } from './devices/simulated/simulated-gateway';
import { IotHubDeviceGateway } from './devices/iothub/iothub-gateway';
import { DeviceRegistryRepository } from './storage/device-registry.repository';
import { lazyTable } from './storage/table-client-factory';

/** Table of the embedded device registry. */
export const REGISTRY_TABLE = 'RegistryDevices';

function once<T>(create: () => T): () => T {
  let value: { created: T } | undefined;
  return () => (value ??= { created: create() }).created;
}

/** The settings, read when the app loads so a missing or invalid one stops it at once, naming it. */
export const config: AppConfig = loadConfig();

const registryRepository = once(
  () => new DeviceRegistryRepository(lazyTable(config.storageConnectionString, REGISTRY_TABLE)),
);

/** The adapters, each built on first use (tables are created, if missing, on their first request). */
export const composition = {
  authorizer: once(() => new SasAuthorizer(config.accessPolicies, config.hostName)),
  registryRepository,
  registry: once(
    () =>
      new EmbeddedRegistry({
        repository: registryRepository(),
        defaultSimulation: config.devices.defaultSimulation,
        simulationSeed: config.devices.simulationSeed,
      }),
  ),
  /**
   * The sources `POST /devices/query` serves, by FROM clause. The jobs domain adds `devices.jobs` here.
   */
  querySources: once((): Partial<Record<QuerySource, QuerySourceHandler>> => ({
    devices: (query, page) => queryTwins(composition.registry(), registryRepository(), query, page),
    'devices.modules': () => Promise.resolve({ items: [], itemType: 'Twin' }),
  })),
  /** The job engine's access to devices: the embedded registry, or a real IoT Hub (DEVICE_GATEWAY). */
  deviceGateway: once((): DeviceGateway => {
    const { gateway, iothubConnectionString, iothubPlainHttpPort } = config.devices;
    if (gateway === 'iothub' && iothubConnectionString) {
      return new IotHubDeviceGateway({
        connectionString: iothubConnectionString,
        plainHttpPort: iothubPlainHttpPort,
      });
    }
    return new SimulatedDeviceGateway(composition.registry(), registryRepository());
  }),
};
