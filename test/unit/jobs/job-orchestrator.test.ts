import '../../../functions/durable/job.orchestrator';
import { JOB_FUNCTION_NAMES } from '../../../functions/durable/job-function-names';
import { registeredFunctions } from './support/functions-core-stand-in';
import { DEFAULT_JOB_SETTINGS } from '../../../shared/jobs/job-settings';
import type { JobOrchestrationInput } from '../../../shared/jobs/ports';
import {
  History,
  type OrchestratorCallback,
  type OrchestratorState,
  runEpisode,
} from './support/orchestration-history';

jest.mock(
  '@azure/functions-core',
  () =>
    jest.requireActual<typeof import('./support/functions-core-stand-in')>(
      './support/functions-core-stand-in',
    ).coreStandIn,
  { virtual: true },
);

const names = JOB_FUNCTION_NAMES;

const T0 = '2026-11-26T06:00:00.000Z';
const at = (seconds: number) => new Date(Date.parse(T0) + seconds * 1000).toISOString();
const JOB = 'reboot-43-3';

function handler(): OrchestratorCallback {
  const registered = registeredFunctions.get(names.orchestrator);
  if (!registered) throw new Error('the orchestrator did not register');
  return registered.callback as OrchestratorCallback;
}

const input = (overrides: Partial<JobOrchestrationInput> = {}): JobOrchestrationInput => ({
  jobId: JOB,
  startTime: T0,
  maxExecutionTimeInSeconds: 3600,
  settings: { ...DEFAULT_JOB_SETTINGS, shardSize: 100, shardsInFlight: 2, devicesInFlightPerShard: 5 },
  ...overrides,
});

const retry = {
  firstRetryIntervalInMilliseconds: 2000,
  maxNumberOfAttempts: 5,
  backoffCoefficient: 2,
  maxRetryIntervalInMilliseconds: 60000,
};
const activity = (functionName: string, payload: unknown) => ({
  actionType: 1,
  functionName,
  input: payload,
  retryOptions: retry,
});

async function episode(history: History, orchestrationInput = input()): Promise<OrchestratorState> {
  return runEpisode(handler(), JOB, orchestrationInput, history.events);
}

/** Actions added by the last episode: the cumulative list minus those of the previous one. */
function newActions(state: OrchestratorState, previousCount: number) {
  return (state.actions[0] ?? []).slice(previousCount);
}

const shards = (count: number) => Array.from({ length: count }, (_, shard) => ({ shard, deviceCount: 100 }));
const shardResult = (shard: number, stoppedBy?: string) => ({
  shard,
  counters: { pending: 0, running: 0, succeeded: 100, failed: 0, canceled: 0 },
  ...(stoppedBy ? { stoppedBy } : {}),
});
const runShardInput = (shard: number, deadline = at(3600)) => ({
  jobId: JOB,
  shard,
  deadline,
  devicesInFlight: 5,
});

describe('job orchestrator registration', () => {
  it('registers under the versioned name with an orchestration trigger', () => {
    const registered = registeredFunctions.get(names.orchestrator);
    expect(names.orchestrator).toBe('jobOrchestrator_v1');
    expect(Object.values(registered?.bindings ?? {}).map((b) => b.type)).toEqual(['orchestrationTrigger']);
  });
});

describe('job orchestrator: waiting for the start time', () => {
  const later = input({ startTime: at(5) });
  const started = () => new History(T0).episode(T0).started(names.orchestrator, later);

  it('arms a timer for the start time raced against the cancel event', async () => {
    const state = await episode(started(), later);
    expect(state.isDone).toBe(false);
    expect(state.actions).toEqual([
      [
        {
          actionType: 11,
          compoundActions: [
            { actionType: 5, fireAt: at(5), isCanceled: false },
            { actionType: 6, externalEventName: 'cancel', reason: 'ExternalEvent' },
          ],
        },
      ],
    ]);
  });

  it('marks the job running when the timer fires, with the actual start time', async () => {
    const history = started().timerCreated(0, at(5)).endEpisode().episode(at(5.2)).timerFired(0, at(5));
    const state = await episode(history, later);
    expect(newActions(state, 1)).toEqual([
      activity(names.markRunning, { jobId: JOB, runStartedTime: at(5.2) }),
    ]);
  });

  it('stops waiting at once on cancel: cancels the timer and finalizes as cancelled', async () => {
    const history = started().timerCreated(0, at(5)).endEpisode().episode(at(1)).raised('cancel', null);
    const state = await episode(history, later);
    expect(state.actions[0]?.[0]).toMatchObject({
      compoundActions: [{ actionType: 5, isCanceled: true }, { actionType: 6 }],
    });
    expect(newActions(state, 1)).toEqual([
      activity(names.finalize, { jobId: JOB, outcome: 'cancelled', shardCount: 0 }),
    ]);

    const done = await episode(
      history
        .scheduled(1, names.finalize)
        .endEpisode()
        .episode(at(1.5))
        .completed(1, { status: 'cancelled' }),
      later,
    );
    expect(done.isDone).toBe(true);
    expect(done.output).toEqual({ jobId: JOB, outcome: 'cancelled', shardCount: 0 });
  });
});

describe('job orchestrator: running', () => {
  const begin = (orchestrationInput = input()) =>
    new History(T0)
      .episode(T0)
      .started(names.orchestrator, orchestrationInput)
      .scheduled(0, names.markRunning)
      .endEpisode()
      .episode(at(1))
      .completed(0, { proceed: true, status: 'running' });
  const resolved = (count: number, orchestrationInput = input()) =>
    begin(orchestrationInput)
      .scheduled(1, names.resolveTargets)
      .endEpisode()
      .episode(at(2))
      .completed(1, { deviceCount: count * 100, shards: shards(count) });

  it('starts at once when the start time has passed: mark running, then resolve targets', async () => {
    const first = await episode(new History(T0).episode(T0).started(names.orchestrator, input()));
    expect(first.actions).toEqual([[activity(names.markRunning, { jobId: JOB, runStartedTime: T0 })]]);
    const second = await episode(begin());
    expect(newActions(second, 1)).toEqual([activity(names.resolveTargets, { jobId: JOB, shardSize: 100 })]);
  });

  it('fans out shards in waves of shardsInFlight and completes', async () => {
    const history = resolved(3);
    const wave1 = await episode(history);
    expect(newActions(wave1, 2)).toEqual([
      {
        actionType: 12,
        compoundActions: [
          activity(names.runShard, runShardInput(0)),
          activity(names.runShard, runShardInput(1)),
        ],
      },
    ]);

    history
      .scheduled(2, names.runShard)
      .scheduled(3, names.runShard)
      .endEpisode()
      .episode(at(10))
      .completed(3, shardResult(1));
    const waiting = await episode(history);
    expect(waiting.actions[0]).toHaveLength(3);
    expect(waiting.isDone).toBe(false);

    history.endEpisode().episode(at(11)).completed(2, shardResult(0));
    const wave2 = await episode(history);
    expect(newActions(wave2, 3)).toEqual([
      { actionType: 12, compoundActions: [activity(names.runShard, runShardInput(2))] },
    ]);

    history.scheduled(4, names.runShard).endEpisode().episode(at(20)).completed(4, shardResult(2));
    const finishing = await episode(history);
    expect(newActions(finishing, 4)).toEqual([
      activity(names.finalize, { jobId: JOB, outcome: 'completed', shardCount: 3 }),
    ]);

    history.scheduled(5, names.finalize).endEpisode().episode(at(21)).completed(5, { status: 'completed' });
    const done = await episode(history);
    expect(done.isDone).toBe(true);
    expect(done.output).toEqual({ jobId: JOB, outcome: 'completed', shardCount: 3 });
    expect(JSON.stringify(history.events)).not.toContain('device-');
  });

  it('finalizes a job without devices as completed', async () => {
    const history = begin()
      .scheduled(1, names.resolveTargets)
      .endEpisode()
      .episode(at(2))
      .completed(1, { deviceCount: 0, shards: [] });
    const state = await episode(history);
    expect(newActions(state, 2)).toEqual([
      activity(names.finalize, { jobId: JOB, outcome: 'completed', shardCount: 0 }),
    ]);
  });

  it('stops scheduling shards once a shard reports the job cancelled', async () => {
    const history = resolved(5)
      .scheduled(2, names.runShard)
      .scheduled(3, names.runShard)
      .endEpisode()
      .episode(at(10))
      .completed(2, shardResult(0, 'cancelled'))
      .completed(3, shardResult(1, 'cancelled'));
    const state = await episode(history);
    expect(newActions(state, 3)).toEqual([
      activity(names.finalize, { jobId: JOB, outcome: 'cancelled', shardCount: 5 }),
    ]);
  });

  it('does not run a job cancelled before it was marked running', async () => {
    const history = new History(T0)
      .episode(T0)
      .started(names.orchestrator, input())
      .scheduled(0, names.markRunning)
      .endEpisode()
      .episode(at(1))
      .completed(0, { proceed: false, status: 'cancelled' });
    const state = await episode(history);
    expect(newActions(state, 1)).toEqual([
      activity(names.finalize, { jobId: JOB, outcome: 'cancelled', shardCount: 0 }),
    ]);
  });

  it('fails the job when a shard hits the deadline, naming the limit', async () => {
    const short = input({ maxExecutionTimeInSeconds: 60 });
    const history = resolved(3, short);
    const wave = await episode(history, short);
    expect(newActions(wave, 2)[0]).toMatchObject({
      compoundActions: [{ input: runShardInput(0, at(60)) }, { input: runShardInput(1, at(60)) }],
    });
    history.scheduled(2, names.runShard).scheduled(3, names.runShard).endEpisode().episode(at(61));
    history.completed(2, shardResult(0, 'deadline')).completed(3, shardResult(1));
    const state = await episode(history, short);
    expect(newActions(state, 3)).toEqual([
      activity(names.finalize, {
        jobId: JOB,
        outcome: 'failed',
        shardCount: 3,
        deviceErrorCode: 'JobMaxExecutionTimeExceeded',
        failureReason: 'maxExecutionTimeInSeconds (60 s) elapsed before every device was processed.',
      }),
    ]);
  });

  it('fails the job when the deadline passed before the next wave could start', async () => {
    const short = input({ maxExecutionTimeInSeconds: 60 });
    const history = resolved(3, short)
      .scheduled(2, names.runShard)
      .scheduled(3, names.runShard)
      .endEpisode()
      .episode(at(90))
      .completed(2, shardResult(0))
      .completed(3, shardResult(1));
    const state = await episode(history, short);
    expect(newActions(state, 3)).toEqual([
      expect.objectContaining({
        functionName: names.finalize,
        input: expect.objectContaining({ outcome: 'failed' }),
      }),
    ]);
  });

  it('lets the other shards of a failing wave finish before it finalizes the job failed', async () => {
    const once = input({
      settings: {
        ...input().settings,
        activityRetry: { ...DEFAULT_JOB_SETTINGS.activityRetry, maxNumberOfAttempts: 1 },
      },
    });
    const history = resolved(3, once)
      .scheduled(2, names.runShard)
      .scheduled(3, names.runShard)
      .endEpisode()
      .episode(at(10))
      .failed(2, 'table storage unavailable')
      .timerCreated(4, at(12))
      .endEpisode()
      .episode(at(12))
      .timerFired(4, at(12));
    const waiting = await episode(history, once);
    expect(waiting.isDone).toBe(false);
    expect(newActions(waiting, 3)).toEqual([]);

    history.endEpisode().episode(at(20)).completed(3, shardResult(1));
    const finishing = await episode(history, once);
    const [finalize] = newActions(finishing, 3);
    expect(finalize).toMatchObject({
      functionName: names.finalize,
      input: { outcome: 'failed', shardCount: 3 },
    });
    expect((finalize?.input as { failureReason: string }).failureReason).toContain(
      'table storage unavailable',
    );
  });

  it('retries a failing activity with back-off, then fails the job with the reason', async () => {
    const twice = input({
      settings: {
        ...input().settings,
        activityRetry: { ...DEFAULT_JOB_SETTINGS.activityRetry, maxNumberOfAttempts: 2 },
      },
    });
    const history = begin(twice)
      .scheduled(1, names.resolveTargets)
      .endEpisode()
      .episode(at(2))
      .failed(1, 'registry unreachable');
    const retrying = await episode(history, twice);
    expect(retrying.isDone).toBe(false);
    expect(newActions(retrying, 2)).toEqual([]);

    history
      .timerCreated(2, at(4))
      .endEpisode()
      .episode(at(4))
      .timerFired(2, at(4))
      .scheduled(3, names.resolveTargets);
    history.endEpisode().episode(at(5)).failed(3, 'registry unreachable').timerCreated(4, at(9));
    history.endEpisode().episode(at(9)).timerFired(4, at(9));
    const failing = await episode(history, twice);
    const [finalize] = newActions(failing, 2);
    expect(finalize).toMatchObject({
      functionName: names.finalize,
      input: { jobId: JOB, outcome: 'failed', shardCount: 0 },
    });
    expect((finalize?.input as { failureReason: string }).failureReason).toMatch(
      /^An activity failed after its retries: .*registry unreachable/,
    );

    history.scheduled(5, names.finalize).endEpisode().episode(at(10)).completed(5, { status: 'failed' });
    const done = await episode(history, twice);
    expect(done.isDone).toBe(true);
    expect(done.output).toMatchObject({ outcome: 'failed' });
  });
});
