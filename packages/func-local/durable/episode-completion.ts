import { randomUUID } from 'node:crypto';
import type { Completion } from './episode-planner';
import { EventType, type HistoryEvent } from './history-event';
import type { OutgoingMessage } from './messages';
import type { InstanceRecord } from './instance-table';

/** The instance row fields once an execution ends, and the messages that go with it (pushed to `outgoing`). */
export function finishedInstance(
  row: InstanceRecord,
  completion: Completion,
  terminateReason: string | undefined,
  outgoing: OutgoingMessage[],
): Partial<InstanceRecord> {
  const parent =
    row.parentInstanceId && row.parentExecutionId && row.parentTaskId !== null
      ? { instanceId: row.parentInstanceId, executionId: row.parentExecutionId, taskId: row.parentTaskId }
      : undefined;
  if (completion.status === 'ContinuedAsNew') {
    const executionId = randomUUID().replace(/-/g, '');
    outgoing.push({
      target: 'control',
      body: {
        kind: 'ExecutionStarted',
        instanceId: row.instanceId,
        executionId,
        name: row.name,
        input: completion.input,
      },
    });
    return {
      status: 'Running',
      input: completion.input,
      output: null,
      executionId,
      lastEpisode: 0,
      lastToken: '',
      actionCount: 0,
      nextSequenceId: 0,
    };
  }
  if (parent) outgoing.push(parentNotice(parent, completion));
  if (terminateReason !== undefined) {
    return { status: 'Terminated', output: JSON.stringify(terminateReason) };
  }
  if (completion.status === 'Completed') return { status: 'Completed', output: completion.output };
  return { status: 'Failed', output: JSON.stringify(completion.reason) };
}

/** The history event that ends an execution. */
export function completionEventOf(completion: Completion, terminated: boolean, stamp: string): HistoryEvent {
  const base = { EventType: EventType.ExecutionCompleted, EventId: -1, IsPlayed: false, Timestamp: stamp };
  if (completion.status === 'Completed')
    return { ...base, OrchestrationStatus: 'Completed', Result: completion.output };
  if (completion.status === 'ContinuedAsNew')
    return { ...base, OrchestrationStatus: 'ContinuedAsNew', Result: completion.input };
  if (terminated)
    return { ...base, OrchestrationStatus: 'Terminated', Result: JSON.stringify(completion.reason) };
  return {
    ...base,
    EventType: EventType.ExecutionFailed,
    OrchestrationStatus: 'Failed',
    Reason: completion.reason,
    Details: completion.details,
  };
}

/** The message that tells a parent orchestration how its sub-orchestration ended. */
export function parentNotice(
  parent: { instanceId: string; executionId: string; taskId: number },
  completion: Completion,
): OutgoingMessage {
  const common = {
    instanceId: parent.instanceId,
    executionId: parent.executionId,
    taskScheduledId: parent.taskId,
  };
  if (completion.status === 'Completed') {
    return {
      target: 'control',
      body: { kind: 'SubOrchestrationCompleted', ...common, result: completion.output },
    };
  }
  const reason = completion.status === 'Failed' ? completion.reason : 'continued as new';
  const details = completion.status === 'Failed' ? completion.details : '';
  return { target: 'control', body: { kind: 'SubOrchestrationFailed', ...common, reason, details } };
}
