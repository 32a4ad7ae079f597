import type { JobWaker } from '../devices/ports';
import { queueClientFor, type StorageAccount } from './storage-clients';

/**
 * {@link JobWaker} on a Storage queue: each wake one message `{"jobId"}`, Base64-encoded (what a Functions queue
 * trigger decodes by default); the app's `completionSignal` function raises the job's event. Created on first use.
 */
export function queueJobWaker(account: StorageAccount, queueName: string): JobWaker {
  let client: ReturnType<typeof queueClientFor> | undefined;
  let ready: Promise<unknown> | undefined;
  return {
    async wake(jobId: string) {
      client ??= queueClientFor(account, queueName);
      const queue = client;
      ready ??= queue.createIfNotExists().catch((error: unknown) => {
        ready = undefined;
        throw error;
      });
      await ready;
      await queue.sendMessage(Buffer.from(JSON.stringify({ jobId })).toString('base64'));
    },
  };
}
