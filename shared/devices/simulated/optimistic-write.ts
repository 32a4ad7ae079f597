import { ConcurrencyConflictError, retryOnConflict } from '../../iothub-rules';
import { DeviceNotFoundError } from '../../http';
import { type StoredDevice } from '../ports';

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
  try {
    return await retryOnConflict(async () => write(await read()), {
      maxAttempts: MAX_WRITE_ATTEMPTS,
      retryWhen: (conflict) => conflict.kind !== 'missing',
    });
  } catch (error: unknown) {
    if (error instanceof ConcurrencyConflictError && error.kind === 'missing')
      throw new DeviceNotFoundError(deviceId);
    throw error;
  }
}
