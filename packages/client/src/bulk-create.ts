import type { DeviceJobsClient } from './api-client';
import { ApiError } from './errors';
import type { BulkDeviceEntry } from './wire-types';

/** What a bulk create did: the devices it created, and the ids that existed already (left unchanged). */
export interface BulkCreateCount {
  created: number;
  existing: number;
}

/** How a bulk create sends its batches. */
export interface BulkCreateOptions {
  /** Devices per `POST /devices` request. */
  batch: number;
  /** Requests in flight. */
  parallel: number;
  /** Told the devices done (created or existing) after each batch. */
  onProgress?: (done: number) => void;
  /** Sends one request: a caller that retries on the service's failures wraps it here. */
  send?: <T>(request: () => Promise<T>) => Promise<T>;
}

/**
 * Creates devices through the bulk registry API, `batch` a request and `parallel` requests in flight. An id that
 * exists already counts as existing (a bulk create is safe to repeat); any other refusal stops it with an
 * `ApiError` naming the device.
 */
export async function bulkCreateDevices(
  client: Pick<DeviceJobsClient, 'bulkDevices'>,
  entries: readonly BulkDeviceEntry[],
  options: BulkCreateOptions,
): Promise<BulkCreateCount> {
  const send = options.send ?? ((request) => request());
  const batches: BulkDeviceEntry[][] = [];
  for (let start = 0; start < entries.length; start += options.batch)
    batches.push(entries.slice(start, start + options.batch));
  const count: BulkCreateCount = { created: 0, existing: 0 };
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const batch = batches[next++] ?? [];
      const result = await send(() => client.bulkDevices(batch));
      const failure = result.errors.find((error) => error.errorCode !== 'DeviceAlreadyExists');
      if (failure) throw new ApiError(400, failure.errorCode, `${failure.deviceId}: ${failure.errorStatus}`);
      count.existing += result.errors.length;
      count.created += batch.length - result.errors.length;
      options.onProgress?.(count.created + count.existing);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.parallel, batches.length) }, worker));
  return count;
}
