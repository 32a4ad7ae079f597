/** Action types of the SDK's OrchestratorState (durable-functions `ActionType`). */
export enum ActionType {
  CallActivity = 0,
  CallActivityWithRetry = 1,
  CallSubOrchestrator = 2,
  CallSubOrchestratorWithRetry = 3,
  ContinueAsNew = 4,
  CreateTimer = 5,
  WaitForExternalEvent = 6,
  CallEntity = 7,
  CallHttp = 8,
  SignalEntity = 9,
  WhenAny = 11,
  WhenAll = 12,
  LockEntities = 13,
  ReleaseEntities = 14,
}

/** RetryOptions as the SDK serializes them. */
export interface RetryPolicy {
  firstRetryIntervalInMilliseconds: number;
  maxNumberOfAttempts: number;
  backoffCoefficient?: number;
  maxRetryIntervalInMilliseconds?: number;
  retryTimeoutInMilliseconds?: number;
}

/** One action as it arrives in the OrchestratorState JSON. */
export interface OrchestratorAction {
  actionType: ActionType;
  functionName?: string;
  input?: unknown;
  retryOptions?: RetryPolicy;
  instanceId?: string;
  fireAt?: string;
  isCanceled?: boolean;
  reason?: string;
  compoundActions?: OrchestratorAction[];
}

/** The OrchestratorState the SDK answers for an episode. */
export interface OrchestratorState {
  isDone: boolean;
  actions: OrchestratorAction[][] | OrchestratorAction[];
  output?: unknown;
  error?: string;
  customStatus?: unknown;
  schemaVersion?: number;
}

/** Leaf actions in yield order: compound actions (Task.all / Task.any) contribute their children. */
export function flattenActions(state: OrchestratorState): OrchestratorAction[] {
  const leaves: OrchestratorAction[] = [];
  const visit = (action: OrchestratorAction) => {
    if (action.actionType === ActionType.WhenAll || action.actionType === ActionType.WhenAny) {
      for (const child of action.compoundActions ?? []) visit(child);
    } else leaves.push(action);
  };
  for (const entry of state.actions) {
    if (Array.isArray(entry)) entry.forEach(visit);
    else visit(entry);
  }
  return leaves;
}

/** The delay before retry attempt `attempt + 1` after attempt `attempt` failed (1-based). */
export function retryDelayMs(policy: RetryPolicy, attempt: number): number {
  const coefficient = policy.backoffCoefficient ?? 1;
  const delay = policy.firstRetryIntervalInMilliseconds * Math.pow(coefficient, attempt - 1);
  const cap = policy.maxRetryIntervalInMilliseconds;
  return cap !== undefined && cap > 0 ? Math.min(delay, cap) : delay;
}

/**
 * JSON text of an action's input. The SDK pre-serializes string inputs of activities and continueAsNew
 * (`Utils.processInput`), so a string is already JSON; other values are serialized here.
 */
export function preSerializedInput(input: unknown): string | null {
  if (input === undefined || input === null) return null;
  return typeof input === 'string' ? input : JSON.stringify(input);
}

/** JSON text of a value the SDK hands over as is (sub-orchestration inputs, outputs). */
export function serialize(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}
