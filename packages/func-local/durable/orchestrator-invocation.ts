import type { RegisteredFunction } from '../app/capture';
import type { InvocationResponse, RpcTypedData } from '../app/core-api';
import type { DurableSettings } from './durable-settings';
import { formatTimeSpan } from '../host/time-span';
import { EventType, type HistoryEvent } from './history-event';
import type { OrchestratorState } from './orchestrator-actions';
import type { InstanceRecord } from './instance-table';

const OUT_OF_PROC_MARKER = '$OutOfProcData$:';

export type Invoke = (fn: RegisteredFunction, data: RpcTypedData) => Promise<InvocationResponse>;

/**
 * Replays an orchestrator through the programming model: the trigger payload holds the committed history (played)
 * and the episode's new events; the answer is the SDK's OrchestratorState, or the `$OutOfProcData$` state an
 * `OrchestrationFailureError` carries.
 */
export async function invokeOrchestrator(
  invoke: Invoke,
  settings: DurableSettings,
  fn: RegisteredFunction,
  row: InstanceRecord,
  committed: HistoryEvent[],
  newEvents: HistoryEvent[],
  stamp: string,
): Promise<{ state: OrchestratorState; failed: boolean }> {
  const history = [
    ...committed.map((e) => ({ ...e, IsPlayed: true })),
    { EventType: EventType.OrchestratorStarted, EventId: -1, IsPlayed: false, Timestamp: stamp },
    ...newEvents,
  ];
  const payload = {
    history,
    input: row.input === null ? undefined : (JSON.parse(row.input) as unknown),
    instanceId: row.instanceId,
    isReplaying: committed.length > 0,
    parentInstanceId: row.parentInstanceId ?? undefined,
    upperSchemaVersion: 1,
    upperSchemaVersionNew: 2,
    longRunningTimerIntervalDuration: formatTimeSpan(settings.longRunningTimerIntervalMs),
    maximumShortTimerDuration: formatTimeSpan(settings.maximumShortTimerMs),
    defaultHttpAsyncRequestSleepTimeMillseconds: 30_000,
  };
  try {
    const response = await invoke(fn, { json: JSON.stringify(payload) });
    return { state: decodeState(response.returnValue), failed: false };
  } catch (error: unknown) {
    const message = error instanceof Error ? error.message : String(error);
    const at = message.indexOf(OUT_OF_PROC_MARKER);
    if (at >= 0) {
      const state = JSON.parse(message.slice(at + OUT_OF_PROC_MARKER.length)) as OrchestratorState;
      return { state, failed: true };
    }
    return { state: { isDone: false, actions: [], error: message }, failed: true };
  }
}

function decodeState(value: RpcTypedData | null | undefined): OrchestratorState {
  const text = value?.json ?? value?.string;
  if (typeof text !== 'string') throw new Error('The orchestrator returned no OrchestratorState.');
  return JSON.parse(text) as OrchestratorState;
}
