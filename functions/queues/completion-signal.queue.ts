import { app, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { COMPLETION_SIGNALS_QUEUE } from '../../shared/composition';
import { durableClientInput } from '../durable/job-orchestration-client';
import { JOB_COMPLETION_EVENT } from '../durable/job-function-names';

/** The durable client's answer for an instance that does not exist or has ended (the event is moot). */
function isMissingOrEnded(error: unknown): boolean {
  return error instanceof Error && /HTTP 404|HTTP 410|No instance with ID/i.test(error.message);
}

/**
 * A twin writer marked a device waiting for its job's completion condition met (docs/devices.md): wakes the
 * job's orchestration, which settles its waiting devices. One message per settle step, not per device.
 */
async function wakeJob(message: unknown, context: InvocationContext): Promise<void> {
  const jobId =
    typeof message === 'object' && message !== null ? (message as { jobId?: unknown }).jobId : undefined;
  if (typeof jobId !== 'string' || jobId === '') {
    context.warn('completionSignal: a message without a jobId was dropped.');
    return;
  }
  try {
    await df.getClient(context).raiseEvent(jobId, JOB_COMPLETION_EVENT, null);
  } catch (error: unknown) {
    if (!isMissingOrEnded(error)) throw error;
  }
}

app.storageQueue('completionSignal', {
  queueName: COMPLETION_SIGNALS_QUEUE,
  connection: 'AzureWebJobsStorage',
  extraInputs: [durableClientInput],
  handler: wakeJob,
});
