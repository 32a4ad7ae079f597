import type { JobCloudEvent } from '../jobs/core/job-events';
import type { JobEventQueue } from '../jobs/core/ports';
import { queueClientFor, type StorageAccount } from './storage-clients';

/**
 * {@link JobEventQueue} on a Storage queue: each event one message, its CloudEvents JSON Base64-encoded (what a
 * Functions queue trigger decodes by default). The queue is created on first use.
 */
export function storageJobEventQueue(account: StorageAccount, queueName: string): JobEventQueue {
  const client = queueClientFor(account, queueName);
  let ready: Promise<unknown> | undefined;
  return {
    async send(event: JobCloudEvent) {
      ready ??= client.createIfNotExists().catch((error: unknown) => {
        ready = undefined;
        throw error;
      });
      await ready;
      await client.sendMessage(Buffer.from(JSON.stringify(event)).toString('base64'));
    },
  };
}
