import type { DeviceRecord } from './device-model';
import type { RegistryRepository } from './ports';

/** A device written to the registry: the record before (absent for a new device or when not known) and after. */
export interface RegistryWrite {
  before?: DeviceRecord;
  after: DeviceRecord;
}

/** Told of every device insert and replace once it is stored (continuous jobs match them). */
export type RegistryWriteObserver = (writes: readonly RegistryWrite[]) => Promise<void>;

/**
 * The registry's storage with an observer on its write path: every single, bulk and import write goes through
 * `insert`, `replace` or `insertMany`, so the observer sees each stored change once, after it is stored.
 */
export function watchRegistryWrites(
  repository: RegistryRepository,
  observer: RegistryWriteObserver,
): RegistryRepository {
  const watched: RegistryRepository = {
    get: (deviceId) => repository.get(deviceId),
    getMany: (deviceIds) => repository.getMany(deviceIds),
    async insert(record) {
      await repository.insert(record);
      await observer([{ after: record }]);
    },
    async replace(record, storageEtag, previous) {
      await repository.replace(record, storageEtag, previous);
      await observer([previous ? { before: previous, after: record } : { after: record }]);
    },
    delete: (deviceId, storageEtag, previous) => repository.delete(deviceId, storageEtag, previous),
    async insertMany(records) {
      const outcomes = await repository.insertMany(records);
      const stored = new Set(outcomes.filter((outcome) => outcome.ok).map((outcome) => outcome.deviceId));
      await observer(records.filter((record) => stored.has(record.deviceId)).map((after) => ({ after })));
      return outcomes;
    },
    scan: (options) => repository.scan(options),
  };
  if (repository.indexedDeviceIds) {
    const indexed = repository.indexedDeviceIds.bind(repository);
    watched.indexedDeviceIds = (entries, page) => indexed(entries, page);
  }
  if (repository.devicesThrough) {
    const through = repository.devicesThrough.bind(repository);
    watched.devicesThrough = (deviceId, enough) => through(deviceId, enough);
  }
  if (repository.valueTypesAt) {
    const types = repository.valueTypesAt.bind(repository);
    watched.valueTypesAt = (indexPath) => types(indexPath);
  }
  return watched;
}
