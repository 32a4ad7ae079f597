import * as df from 'durable-functions';
import type { InvocationContext } from '@azure/functions';
import type {
  JobOrchestrationAdmin,
  OrchestrationRuntimeStatus,
} from '../../shared/jobs/engine/job-maintenance';
import type { ScheduleTimers } from '../../shared/jobs/service/job-schedules';
import type { JobOrchestrationClient, JobOrchestrationInput } from '../../shared/jobs/core/ports';
import {
  JOB_CANCEL_EVENT,
  JOB_ORCHESTRATOR_NAME,
  JOB_RESUME_EVENT,
  SCHEDULE_CHANGED_EVENT,
  SCHEDULE_TIMER_ORCHESTRATOR_NAME,
  scheduleTimerInstanceId,
} from './job-function-names';

/** The durable client input every function that starts, signals or inspects job orchestrations declares. */
export const durableClientInput = df.input.durableClient();

/** The durable client's 404s carry no code, only this wording (getStatus, raiseEvent). */
function isMissingInstance(error: unknown): boolean {
  return error instanceof Error && /HTTP 404|No instance with ID/.test(error.message);
}

async function raiseIfPresent(client: df.DurableClient, jobId: string, event: string): Promise<void> {
  try {
    await client.raiseEvent(jobId, event, null);
  } catch (error: unknown) {
    if (!isMissingInstance(error)) throw error;
  }
}

/** Instances that take an event: raising one on an ended instance is silently dropped (HTTP 410). */
const LIVE_STATUSES: readonly string[] = ['Pending', 'Running', 'ContinuedAsNew', 'Suspended'];

/** A start refused because the instance exists and runs (the host's own 409 wording). */
function isAlreadyRunning(error: unknown): boolean {
  return error instanceof Error && /HTTP 409|already exists/i.test(error.message);
}

/**
 * The job ports over the durable client of one invocation (`df.getClient(context)`): start and cancel for the
 * HTTP functions, status and purge for the maintenance timers. The instance id is the job id.
 */
export function jobOrchestrations(
  context: InvocationContext,
): JobOrchestrationClient & JobOrchestrationAdmin & ScheduleTimers {
  const client = df.getClient(context);
  async function liveStatus(instanceId: string): Promise<boolean> {
    try {
      const status = await client.getStatus(instanceId);
      return LIVE_STATUSES.includes(String(status.runtimeStatus));
    } catch (error: unknown) {
      if (isMissingInstance(error)) return false;
      throw error;
    }
  }
  return {
    async wake(scheduleId) {
      const instanceId = scheduleTimerInstanceId(scheduleId);
      if (await liveStatus(instanceId)) {
        await client.raiseEvent(instanceId, SCHEDULE_CHANGED_EVENT, null);
        return;
      }
      try {
        await client.startNew(SCHEDULE_TIMER_ORCHESTRATOR_NAME, { instanceId, input: scheduleId });
      } catch (error: unknown) {
        // Started meanwhile by another caller: that start reads the schedule as it is now.
        if (!isAlreadyRunning(error)) throw error;
      }
    },
    async start(input: JobOrchestrationInput) {
      await client.startNew(JOB_ORCHESTRATOR_NAME, { instanceId: input.jobId, input });
    },
    raiseCancel: (jobId) => raiseIfPresent(client, jobId, JOB_CANCEL_EVENT),
    raiseResume: (jobId) => raiseIfPresent(client, jobId, JOB_RESUME_EVENT),
    async getStatus(jobId) {
      try {
        const status = await client.getStatus(jobId);
        return status.runtimeStatus as OrchestrationRuntimeStatus;
      } catch (error: unknown) {
        if (isMissingInstance(error)) return undefined;
        throw error;
      }
    },
    async purge(jobId) {
      await client.purgeInstanceHistory(jobId);
    },
  };
}
