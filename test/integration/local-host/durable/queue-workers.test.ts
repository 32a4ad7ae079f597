import type { RegisteredFunction } from '../../../../packages/func-local/app/capture';
import { ActivityWorker } from '../../../../packages/func-local/durable/activity-worker';
import { EpisodeRunner } from '../../../../packages/func-local/durable/episode-runner';
import { eventTypeName } from '../../../../packages/func-local/durable/history-event';
import { pendingInstance } from '../../../../packages/func-local/durable/instance-table';
import type {
  ControlMessage,
  OutgoingMessage,
  WorkItemMessage,
} from '../../../../packages/func-local/durable/messages';
import { OrchestrationDispatcher } from '../../../../packages/func-local/durable/orchestration-dispatcher';
import { StorageHealth } from '../../../../packages/func-local/durable/storage-health';
import { TaskHubStorage } from '../../../../packages/func-local/durable/task-hub-storage';
import { startAzurite, type RunningAzurite } from '../../../../packages/func-local/storage/azurite';
import { findOrchestrator, invokeOrchestrator, testSettings } from './durable-test-app';
import { isDefined, waitFor } from '../../../support/wait-for';

let azurite: RunningAzurite;

beforeAll(async () => {
  azurite = await startAzurite({ inMemory: true });
}, 60_000);

afterAll(async () => {
  await azurite?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function hub(name: string, warnings: string[] = []): Promise<TaskHubStorage> {
  const storage = new TaskHubStorage(azurite.connectionString, name, 1, (message) => warnings.push(message));
  await storage.ensure();
  return storage;
}

const until = <T>(probe: () => Promise<T | undefined>): Promise<T> =>
  waitFor('the queue workers to reach the expected state', probe, isDefined);

const activity = (name: string) =>
  ({
    metadata: { name, bindings: { input: { type: 'activityTrigger', direction: 'in' } } },
    callback: () => undefined,
  }) as unknown as RegisteredFunction;

describe('ActivityWorker on Azurite', () => {
  it('keeps a long work item invisible past its visibility timeout, reports its results, then deletes it', async () => {
    const storage = await hub('WorkerTest');
    const settings = testSettings('WorkerTest', {
      workItemQueueVisibilityMs: 3_000,
      maxQueuePollingIntervalMs: 200,
    });
    const logged: string[] = [];
    const worker = new ActivityWorker({
      storage,
      settings,
      findActivity: (name) => (name === 'Slow' ? activity('Slow') : undefined),
      invoke: async (_fn, data) => {
        await sleep(5_000);
        return {
          returnValue: { json: JSON.stringify({ echoed: JSON.parse(data?.json ?? 'null') as unknown }) },
        };
      },
      sendControl: async (message) => {
        await storage.queues.send(storage.queues.controlQueueFor(message.instanceId), message);
      },
      log: (_level, message) => logged.push(message),
      health: new StorageHealth((_level, message) => logged.push(message)),
    });
    const item = (taskScheduledId: number, name: string) => ({
      instanceId: 'w1',
      executionId: 'e1',
      taskScheduledId,
      name,
      input: JSON.stringify(taskScheduledId),
    });
    const message: WorkItemMessage = { items: [item(0, 'Slow'), item(1, 'Missing')] };
    await storage.queues.send(storage.queues.workItems, message);
    worker.start();
    try {
      await sleep(4_500);
      // Past the 3 s timeout the message would be visible again, had the worker not renewed it.
      expect((await storage.queues.workItems.receiveMessages()).receivedMessageItems).toEqual([]);
      const results: unknown[] = [];
      await until(async () => {
        for (const received of await storage.queues.receive<ControlMessage>(
          storage.queues.controlQueues[0]!,
          32,
          30,
        )) {
          if (received.body.kind === 'TaskResults') results.push(...received.body.results);
        }
        return results.length >= 2 ? true : undefined;
      });
      expect(results).toEqual(
        expect.arrayContaining([
          { taskScheduledId: 0, result: JSON.stringify({ echoed: 0 }) },
          expect.objectContaining({ taskScheduledId: 1, details: 'FunctionNotFound' }),
        ]),
      );
      await until(async () =>
        (await storage.queues.workItems.getProperties()).approximateMessagesCount === 0 ? true : undefined,
      );
      expect(logged).toEqual([]);
    } finally {
      await worker.stop();
    }
  }, 30_000);
});

describe('OrchestrationDispatcher on Azurite', () => {
  it('runs episodes from the control queue, deletes what they consumed, and logs an unreadable message it drops', async () => {
    const warnings: string[] = [];
    const storage = await hub('DispatchTest', warnings);
    const settings = testSettings('DispatchTest', { maxQueuePollingIntervalMs: 200 });
    const sent: OutgoingMessage[] = [];
    const runner = new EpisodeRunner({
      storage,
      settings,
      findOrchestrator,
      invoke: invokeOrchestrator,
      stage: (messages) =>
        Promise.resolve({
          release: () => Promise.resolve(void sent.push(...messages)),
          discard: () => Promise.resolve(),
        }),
      log: (_level, message) => warnings.push(message),
    });
    const dispatcher = new OrchestrationDispatcher(
      storage,
      settings,
      runner,
      () => Promise.resolve(),
      (_level, message) => warnings.push(message),
      new StorageHealth((_level, message) => warnings.push(message)),
    );
    const queue = storage.queues.controlQueueFor('d1');
    const input = JSON.stringify(['x']);
    await storage.instances.write(
      pendingInstance({ instanceId: 'd1', name: 'Sequence', input, executionId: 'e1' }),
      undefined,
    );
    await storage.queues.send(queue, {
      kind: 'ExecutionStarted',
      instanceId: 'd1',
      executionId: 'e1',
      name: 'Sequence',
      input,
    } satisfies ControlMessage);
    await queue.sendMessage('not json at all');
    dispatcher.start();
    try {
      await until(() => Promise.resolve(sent.some((m) => m.target === 'workItem') ? true : undefined));
      await storage.queues.send(queue, {
        kind: 'TaskResults',
        instanceId: 'd1',
        executionId: 'e1',
        results: [{ taskScheduledId: 0, result: JSON.stringify('Hello x') }],
      } satisfies ControlMessage);
      const row = await until(async () => {
        const current = await storage.instances.read('d1');
        return current?.status === 'Completed' ? current : undefined;
      });
      expect(row.output).toBe(JSON.stringify(['Hello x']));
      const history = await storage.history.load(row);
      expect(history.map((e) => eventTypeName(e.EventType))).toContain('TaskCompleted');
      await until(async () =>
        (await queue.getProperties()).approximateMessagesCount === 0 ? true : undefined,
      );
      expect(warnings).toEqual([
        expect.stringMatching(/Deleted unreadable message \S+ from dispatchtest-local-control-00/),
      ]);
    } finally {
      await dispatcher.stop();
    }
  }, 30_000);
});
