import fs from 'node:fs';
import path from 'node:path';
import type { HostJson } from '../../../packages/func-local/app/app-folder';
import {
  readDurableSettings,
  type DurableSettings,
} from '../../../packages/func-local/durable/durable-settings';
import { ManualClock } from '../in-memory-ports';
import type { ActivityScript } from './activity-replies';
import { OrchestrationRun } from './orchestration-run';

export { replies, took, type ActivityCall, type ActivityScript } from './activity-replies';
export type { OpenWaits, OrchestrationRun, RaisedEvent, TimerRecord } from './orchestration-run';
export { NonDeterminismError, ScenarioError } from './scenario-error';

export interface DurableHarnessOptions {
  /** Virtual time at which the clock starts (ISO), or a clock shared with the activities' ports. */
  start: string | ManualClock;
  /** Unscripted activities run the app's registered activity functions (default: an unscripted call fails). */
  realActivities?: boolean;
  /** Episodes one `settle` may run before it gives up on a run that never waits (default 500). */
  maxEpisodes?: number;
}

/** The durable settings of the app's own host.json, as the extension reads them (timer limits included). */
function appDurableSettings(): DurableSettings {
  const hostJson = JSON.parse(
    fs.readFileSync(path.resolve(__dirname, '../../../host.json'), 'utf8'),
  ) as HostJson;
  return readDurableSettings(hostJson, {}, 2);
}

/**
 * An in-memory durable engine for tests: runs the app's registered orchestrators (the real durable-functions
 * replay engine, invoked through the programming model as the extension invokes them) on a virtual clock, with
 * scripted activities (or the real ones), timers that fire without waiting and external events raised at chosen
 * times. Sequence ids, retries, long timers and determinism checks come from the local host's own episode planner,
 * and every settle replays the recorded history once more to check the orchestrator is deterministic.
 *
 * @example
 * const durable = new DurableHarness({ start: T0 })
 *   .activity('jobMarkRunning', () => ({ proceed: true, status: 'running' }))
 *   .activity('jobRunDevices', replies(took(60_000, { done: false, cursor, stoppedBy: 'paused' }), { done: true, cursor }));
 * const run = durable.start('jobOrchestrator_v4', input, 'job-1');
 * run.raiseEvent('resume', null, at(300));
 * await run.untilDone();
 * expect(run.activityCalls.map((c) => c.name)).toEqual([...]);
 */
export class DurableHarness {
  readonly clock: ManualClock;
  private readonly scripts = new Map<string, ActivityScript>();
  private readonly settings = appDurableSettings();

  constructor(private readonly options: DurableHarnessOptions) {
    this.clock = typeof options.start === 'string' ? new ManualClock(new Date(options.start)) : options.start;
  }

  /** Scripts the answers of an activity (see `replies` and `took`). */
  activity(name: string, script: ActivityScript): this {
    this.scripts.set(name, script);
    return this;
  }

  /** Starts an instance of a registered orchestrator at the clock's current time; `settle` runs it. */
  start(name: string, input: unknown, instanceId: string): OrchestrationRun {
    return new OrchestrationRun(
      {
        clock: this.clock,
        settings: this.settings,
        scripts: this.scripts,
        realActivities: this.options.realActivities ?? false,
        maxEpisodes: this.options.maxEpisodes ?? 500,
      },
      name,
      input,
      instanceId,
    );
  }
}
