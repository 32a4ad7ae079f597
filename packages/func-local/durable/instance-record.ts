import type { RuntimeStatus } from './history-event';

/** The status row of one orchestration instance, as the `<hub>Instances` table stores it. */
export interface InstanceRecord {
  instanceId: string;
  name: string;
  status: RuntimeStatus;
  /** JSON text, or null when the orchestration got no input. */
  input: string | null;
  output: string | null;
  customStatus: string | null;
  createdTime: Date;
  lastUpdatedTime: Date;
  executionId: string;
  parentInstanceId: string | null;
  parentExecutionId: string | null;
  parentTaskId: number | null;
  /** Number of committed episodes of the current execution and the token of the last one (history chain). */
  lastEpisode: number;
  lastToken: string;
  /** Leaf actions the orchestrator yielded so far and the next free sequence id (SDK task ids). */
  actionCount: number;
  nextSequenceId: number;
  etag?: string;
}

/** The row of an execution that has not run yet (status Pending, empty history). */
export function pendingInstance(fields: {
  instanceId: string;
  name: string;
  input: string | null;
  executionId: string;
  parent?: { instanceId: string; executionId: string; taskId: number };
  etag?: string;
}): InstanceRecord {
  const now = new Date();
  return {
    instanceId: fields.instanceId,
    name: fields.name,
    status: 'Pending',
    input: fields.input,
    output: null,
    customStatus: null,
    createdTime: now,
    lastUpdatedTime: now,
    executionId: fields.executionId,
    parentInstanceId: fields.parent?.instanceId ?? null,
    parentExecutionId: fields.parent?.executionId ?? null,
    parentTaskId: fields.parent?.taskId ?? null,
    lastEpisode: 0,
    lastToken: '',
    actionCount: 0,
    nextSequenceId: 0,
    etag: fields.etag,
  };
}
