import { app, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { JOB_JOINS_QUEUE } from '../../shared/storage/job-join-signals';
import { durableClientInput } from '../durable/job-orchestration-client';
import { JOB_JOIN_EVENT } from '../durable/job-function-names';

function jobIdOf(message: unknown): string | undefined {
  const parsed: unknown = typeof message === 'string' ? JSON.parse(message) : message;
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { jobId } = parsed as { jobId?: unknown };
  return typeof jobId === 'string' ? jobId : undefined;
}

/**
 * Wakes a continuous job's orchestration: devices joined it on the registry's write path (which has no durable
 * client), so the write leaves a message here and this function raises `join` on the job's instance.
 */
async function signalJoin(message: unknown, context: InvocationContext): Promise<void> {
  const jobId = jobIdOf(message);
  if (jobId === undefined) {
    context.warn('jobJoinSignal: a message without a jobId was dropped.');
    return;
  }
  try {
    // An ended job answers 410, which the client takes as done: it takes no more devices, nothing to wake.
    await df.getClient(context).raiseEvent(jobId, JOB_JOIN_EVENT, null);
  } catch (error: unknown) {
    // No orchestration of that id (a job deleted meanwhile): nothing to wake. Any other failure is thrown, so the
    // queue delivers the message again: a lost wake would leave the joined devices queued until the next join.
    if (error instanceof Error && error.message.startsWith('No instance with ID')) return;
    throw error;
  }
}

app.storageQueue('jobJoinSignal', {
  queueName: JOB_JOINS_QUEUE,
  connection: 'AzureWebJobsStorage',
  extraInputs: [durableClientInput],
  handler: signalJoin,
});
