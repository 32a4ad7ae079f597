import type { OrchestratorAction } from '../../../packages/func-local/durable/orchestrator-actions';
import { ActionType } from '../../../packages/func-local/durable/orchestrator-actions';
import { NonDeterminismError } from './scenario-error';

/** What identifies a yielded action across replays: everything but whether a timer was cancelled since. */
function signature(action: OrchestratorAction): string {
  const { isCanceled: _changesLater, ...rest } = action as OrchestratorAction & Record<string, unknown>;
  return JSON.stringify(rest);
}

function describe(action: OrchestratorAction | undefined): string {
  if (!action) return 'nothing';
  return `${ActionType[action.actionType]} ${signature(action)}`;
}

/**
 * The leaf actions an orchestration yielded, each as first yielded. Every later replay must yield the same
 * actions first, with the same inputs, fire times and event names; a difference is a {@link NonDeterminismError}.
 */
export class YieldedActions {
  private readonly recorded: OrchestratorAction[] = [];

  get count(): number {
    return this.recorded.length;
  }

  /** Checks a replay's actions against those recorded, then records the new ones; answers the new ones. */
  accept(replayed: OrchestratorAction[], when: string): OrchestratorAction[] {
    this.check(replayed, when, false);
    const fresh = replayed.slice(this.recorded.length);
    this.recorded.push(...fresh);
    return fresh;
  }

  /** Checks a replay of the complete recorded history: it must yield exactly the recorded actions. */
  checkComplete(replayed: OrchestratorAction[], when: string): void {
    this.check(replayed, when, true);
  }

  private check(replayed: OrchestratorAction[], when: string, complete: boolean): void {
    const length = complete ? Math.max(replayed.length, this.recorded.length) : this.recorded.length;
    for (let index = 0; index < length; index++) {
      const before = this.recorded[index];
      const now = replayed[index];
      if (before && now && signature(before) === signature(now)) continue;
      if (!complete && !now) continue;
      throw new NonDeterminismError(
        `${when}: action ${index} was ${describe(before)} when the orchestrator ran, but replaying the ` +
          `recorded history yields ${describe(now)}. Orchestrator code must be deterministic ` +
          '(no Date.now, Math.random, I/O or mutable module state).',
      );
    }
  }
}
