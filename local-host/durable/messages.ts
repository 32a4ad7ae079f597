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
  | { kind: 'TimerFired'; instanceId: string; executionId: string; timerId: number; fireAt: string }
  | { kind: 'EventRaised'; instanceId: string; name: string; input: string | null }
  | { kind: 'Terminate' | 'Suspend' | 'Resume'; instanceId: string; reason: string };

/** A message on the work-item queue: run one activity for one scheduled task. */
export interface WorkItemMessage {
  instanceId: string;
  executionId: string;
  taskScheduledId: number;
  name: string;
  input: string | null;
}

/** What an episode asks to send once it has decided (before its history is committed). */
export type OutgoingMessage =
  | { target: 'workItem'; body: WorkItemMessage }
  | { target: 'control'; body: ControlMessage; fireAt?: string };
