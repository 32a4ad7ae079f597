import type { JobJoinSignals } from '../jobs/core/ports';
import { queueJsonSender, type StorageAccount } from './storage-clients';

/** The Storage queue whose messages wake continuous jobs' orchestrations (`jobJoinSignal`). */
export const JOB_JOINS_QUEUE = 'job-joins';

/** {@link JobJoinSignals} on a Storage queue: one message `{"jobId": …}` per job and registry write. */
export function storageJobJoinSignals(account: StorageAccount, queueName = JOB_JOINS_QUEUE): JobJoinSignals {
  const send = queueJsonSender(account, queueName);
  return { send: (jobId: string) => send({ jobId }) };
}
