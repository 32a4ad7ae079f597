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
  const client = df.getClient(context);
  const status = await client.getStatus(jobId).catch(() => undefined);
  // An ended (or unknown) job takes no more devices: nothing to wake.
  if (status?.runtimeStatus !== df.OrchestrationRuntimeStatus.Running) return;
  await client.raiseEvent(jobId, JOB_JOIN_EVENT, null);
}

app.storageQueue('jobJoinSignal', {
  queueName: JOB_JOINS_QUEUE,
  connection: 'AzureWebJobsStorage',
  extraInputs: [durableClientInput],
  handler: signalJoin,
});
