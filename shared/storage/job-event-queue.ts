import type { JobCloudEvent } from '../jobs/core/job-events';
import type { JobEventQueue } from '../jobs/core/ports';
import { queueJsonSender, type StorageAccount } from './storage-clients';

/** {@link JobEventQueue} on a Storage queue: each event one message, its CloudEvents JSON Base64-encoded. */
export function storageJobEventQueue(account: StorageAccount, queueName: string): JobEventQueue {
  const send = queueJsonSender(account, queueName);
  return { send: (event: JobCloudEvent) => send(event) };
}
