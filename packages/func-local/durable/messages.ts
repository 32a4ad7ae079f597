/** Messages on the control queues: everything that happens to an orchestration instance. */
export type ControlMessage =
  | {
      kind: 'ExecutionStarted';
      instanceId: string;
      executionId: string;
      name: string;
      input: string | null;
      parent?: { instanceId: string; executionId: string; taskId: number };
    }
  | {
      kind: 'TaskCompleted' | 'SubOrchestrationCompleted';
      instanceId: string;
      executionId: string;
      taskScheduledId: number;
      result: string | null;
    }
  | {
      kind: 'TaskFailed' | 'SubOrchestrationFailed';
      instanceId: string;
      executionId: string;
      taskScheduledId: number;
      reason: string;
      details: string;
    }
  | { kind: 'TaskResults'; instanceId: string; executionId: string; results: TaskResult[] }
  | { kind: 'TimerFired'; instanceId: string; executionId: string; timerId: number; fireAt: string }
  | { kind: 'EventRaised'; instanceId: string; name: string; input: string | null }
  | { kind: 'Terminate' | 'Suspend' | 'Resume'; instanceId: string; reason: string };

/** The outcome of one activity, several of which travel in one `TaskResults` message. */
export type TaskResult =
  | { taskScheduledId: number; result: string | null }
  | { taskScheduledId: number; reason: string; details: string };

/**
 * A message on the work-item queue. It carries a batch of activity calls (all from one episode): Azurite's
 * queues move a few hundred messages per second, so one message per activity would cap fan-outs there.
 */
export interface WorkItemMessage {
  items: WorkItem[];
}

/** One activity call for one scheduled task. */
export interface WorkItem {
  instanceId: string;
  executionId: string;
  taskScheduledId: number;
  name: string;
  input: string | null;
}

/** What an episode sends: staged while its history is stored, in effect once the episode commits. */
export type OutgoingMessage =
  { target: 'workItem'; body: WorkItem } | { target: 'control'; body: ControlMessage; fireAt?: string };

/** Messages an episode sent before committing: invisible to every host until released. */
export interface StagedMessages {
  /** The episode committed: the messages take effect (run here, or become visible to all hosts). */
  release(): Promise<void>;
  /** The episode lost its commit: the messages never take effect. */
  discard(): Promise<void>;
}
