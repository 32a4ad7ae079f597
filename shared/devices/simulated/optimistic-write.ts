import { DeviceNotFoundError } from '../../http';
import { StorageConflictError, type StoredDevice } from '../ports';

const MAX_WRITE_ATTEMPTS = 8;

/**
 * Read-check-write with optimistic concurrency on the storage etag: `read` gives the current device, `write`
 * checks it and writes at its etag (or throws to refuse); a concurrent change makes both run again on fresh data,
 * a device that vanished meanwhile is `DeviceNotFound`.
 */
export async function writeOptimistically<T>(
  deviceId: string,
  read: () => Promise<StoredDevice>,
  write: (stored: StoredDevice) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const stored = await read();
    try {
      return await write(stored);
    } catch (error: unknown) {
      if (error instanceof StorageConflictError && error.kind === 'missing')
        throw new DeviceNotFoundError(deviceId);
      if (!(error instanceof StorageConflictError) || attempt >= MAX_WRITE_ATTEMPTS) throw error;
    }
  }
}
