import { EpisodeRunner, type HeldMessage } from '../../../../packages/func-local/durable/episode-runner';
import { eventTypeName } from '../../../../packages/func-local/durable/history-event';
import type { ControlMessage, OutgoingMessage } from '../../../../packages/func-local/durable/messages';
import { pendingInstance } from '../../../../packages/func-local/durable/instance-table';
import { TaskHubStorage } from '../../../../packages/func-local/durable/task-hub-storage';
import { startAzurite, type RunningAzurite } from '../../../../packages/func-local/storage/azurite';
import { findOrchestrator, invokeOrchestrator, testSettings } from './durable-test-app';

let azurite: RunningAzurite;
let storage: TaskHubStorage;

beforeAll(async () => {
  azurite = await startAzurite({ inMemory: true });
  storage = new TaskHubStorage(azurite.connectionString, 'RunnerTest', 1);
  await storage.ensure();
}, 60_000);

afterAll(async () => {
  await azurite?.stop();
});

interface TestHost {
  runner: EpisodeRunner;
  /** Messages released (their episode committed). */
  sent: OutgoingMessage[];
  /** Messages withdrawn (their episode lost its commit). */
  discarded: OutgoingMessage[];
  logged: string[];
}

/** One host's runner; what it sends is collected instead of queued. */
function host(): TestHost {
  const sent: OutgoingMessage[] = [];
  const discarded: OutgoingMessage[] = [];
  const logged: string[] = [];
  const runner = new EpisodeRunner({
    storage,
    settings: testSettings('RunnerTest'),
    findOrchestrator,
    invoke: invokeOrchestrator,
    stage: (messages) =>
      Promise.resolve({
        release: () => Promise.resolve(void sent.push(...messages)),
        discard: () => Promise.resolve(void discarded.push(...messages)),
      }),
    log: (_level, message) => logged.push(message),
  });
  return { runner, sent, discarded, logged };
}

let sequence = 0;
function held(body: ControlMessage): HeldMessage {
  sequence += 1;
  return { messageId: `m${sequence}`, popReceipt: 'r', body };
}

async function startSequence(instanceId: string, names: string[]): Promise<ControlMessage> {
  const input = JSON.stringify(names);
  await storage.instances.write(
    pendingInstance({ instanceId, name: 'Sequence', input, executionId: 'exec1' }),
    undefined,
  );
  return { kind: 'ExecutionStarted', instanceId, executionId: 'exec1', name: 'Sequence', input };
}

const answer = (instanceId: string, taskScheduledId: number, result: string): ControlMessage => ({
  kind: 'TaskResults',
  instanceId,
  executionId: 'exec1',
  results: [{ taskScheduledId, result: JSON.stringify(result) }],
});

async function historyTypes(instanceId: string): Promise<string[]> {
  const row = await storage.instances.read(instanceId);
  if (!row) throw new Error(`no instance ${instanceId}`);
  return (await storage.history.load(row)).map((e) => eventTypeName(e.EventType));
}

describe('EpisodeRunner on a shared task hub', () => {
  it('consumes a result for a task another host scheduled, though its cached row predates that task', async () => {
    const a = host();
    const b = host();
    const start = held(await startSequence('stale-cache', ['x', 'y', 'z']));
    expect((await a.runner.run('stale-cache', [start])).done).toEqual([start.messageId]);
    expect(a.sent.map((m) => m.target === 'workItem' && m.body.taskScheduledId)).toEqual([0]);

    // Host B answers task 0 and schedules task 1; host A's cached row still ends at episode 1.
    const first = held(answer('stale-cache', 0, 'Hello x'));
    expect((await b.runner.run('stale-cache', [first])).done).toEqual([first.messageId]);
    expect(b.sent.map((m) => m.target === 'workItem' && m.body.taskScheduledId)).toEqual([1]);

    const second = held(answer('stale-cache', 1, 'Hello y'));
    const outcome = await a.runner.run('stale-cache', [second]);
    expect(outcome).toMatchObject({ done: [second.messageId], deferred: false, conflict: false });
    expect(a.sent.map((m) => m.target === 'workItem' && m.body.taskScheduledId)).toEqual([0, 2]);
    expect((await historyTypes('stale-cache')).filter((t) => t === 'TaskCompleted')).toHaveLength(2);
  });

  it('keeps an answer to a task no committed episode scheduled, and drops one of an older execution', async () => {
    const a = host();
    const start = held(await startSequence('early-answer', ['x']));
    await a.runner.run('early-answer', [start]);
    const early = held(answer('early-answer', 5, 'too early'));
    const obsolete = held({ ...answer('early-answer', 0, 'old'), executionId: 'exec0' } as ControlMessage);
    const outcome = await a.runner.run('early-answer', [early, obsolete]);
    expect(outcome).toMatchObject({ done: [obsolete.messageId], deferred: true });
  });

  it('loses a commit race without writing history twice or releasing its messages, and succeeds on the next run', async () => {
    const a = host();
    const b = host();
    const start = held(await startSequence('race', ['x', 'y']));
    await a.runner.run('race', [start]);
    await b.runner.run('race', [held(answer('race', 0, 'Hello x'))]);
    // A still caches episode 1: answering task 0 again with it conflicts at commit (the answer is new to A).
    const duplicate = held(answer('race', 0, 'Hello x'));
    const lost = await a.runner.run('race', [duplicate]);
    expect(lost.conflict).toBe(true);
    // The loser's call of task 1 is withdrawn: only B's runs (two hosts must never run one step twice).
    expect(a.discarded.map((m) => m.target === 'workItem' && m.body.taskScheduledId)).toEqual([1]);
    expect(await a.runner.run('race', [duplicate])).toMatchObject({
      done: [duplicate.messageId],
      conflict: false,
    });
    expect(a.sent.map((m) => m.target === 'workItem' && m.body.taskScheduledId)).toEqual([0]);
    expect(b.sent.map((m) => m.target === 'workItem' && m.body.taskScheduledId)).toEqual([1]);
    expect((await historyTypes('race')).filter((t) => t === 'TaskCompleted')).toHaveLength(1);
  });
});
