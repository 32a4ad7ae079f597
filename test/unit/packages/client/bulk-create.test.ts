import {
  ApiError,
  bulkCreateDevices,
  type BulkDeviceEntry,
  type BulkRegistryResult,
} from '@device-jobs/client';

const entries = (count: number): BulkDeviceEntry[] =>
  Array.from({ length: count }, (_, i) => ({ id: `d${i}`, importMode: 'create', status: 'enabled' }));

/** A registry that already holds `existing`, answering like `POST /devices`; it records each request's size. */
function registry(existing: Set<string>, refuse?: string) {
  const sizes: number[] = [];
  let inFlight = 0;
  let mostInFlight = 0;
  return {
    sizes,
    mostInFlight: () => mostInFlight,
    async bulkDevices(batch: readonly BulkDeviceEntry[]): Promise<BulkRegistryResult> {
      sizes.push(batch.length);
      inFlight += 1;
      mostInFlight = Math.max(mostInFlight, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight -= 1;
      const errors = batch
        .filter((entry) => existing.has(entry.id) || entry.id === refuse)
        .map((entry) => ({
          deviceId: entry.id,
          errorCode: entry.id === refuse ? 'ArgumentInvalid' : 'DeviceAlreadyExists',
          errorStatus: 'no',
        }));
      for (const entry of batch) existing.add(entry.id);
      return { isSuccessful: errors.length === 0, errors, warnings: [] };
    },
  };
}

describe('bulkCreateDevices', () => {
  it('sends batches, a bounded number in flight, and counts ids that existed as existing', async () => {
    const client = registry(new Set(['d3', 'd9']));
    const progress: number[] = [];
    const count = await bulkCreateDevices(client, entries(23), {
      batch: 5,
      parallel: 2,
      onProgress: (done) => progress.push(done),
    });
    expect(count).toEqual({ created: 21, existing: 2 });
    expect(client.sizes.sort()).toEqual([3, 5, 5, 5, 5]);
    expect(client.mostInFlight()).toBe(2);
    expect(progress.at(-1)).toBe(23);
  });

  it('stops on any other refusal with an ApiError naming the device', async () => {
    const client = registry(new Set(), 'd4');
    const failure = bulkCreateDevices(client, entries(10), { batch: 10, parallel: 1 });
    await expect(failure).rejects.toThrow(ApiError);
    await expect(failure).rejects.toMatchObject({ code: 'ArgumentInvalid', message: 'd4: no' });
  });

  it('sends each request through `send`, where a caller retries', async () => {
    const client = registry(new Set());
    let sent = 0;
    const count = await bulkCreateDevices(client, entries(4), {
      batch: 2,
      parallel: 4,
      send: (request) => {
        sent += 1;
        return request();
      },
    });
    expect([count.created, sent]).toEqual([4, 2]);
  });
});
