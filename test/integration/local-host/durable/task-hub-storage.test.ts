import { QueueServiceClient } from '@azure/storage-queue';
import { EventType, type HistoryEvent } from '../../../../packages/func-local/durable/history-event';
import {
  ConcurrencyConflictError,
  pendingInstance,
  type InstanceRecord,
} from '../../../../packages/func-local/durable/instance-table';
import { TaskHubStorage } from '../../../../packages/func-local/durable/task-hub-storage';
import { startAzurite, type RunningAzurite } from '../../../../packages/func-local/storage/azurite';

let azurite: RunningAzurite;
let storage: TaskHubStorage;

beforeAll(async () => {
  azurite = await startAzurite({ inMemory: true });
  storage = new TaskHubStorage(azurite.connectionString, 'StorageTest', 2);
  await storage.ensure();
}, 60_000);

afterAll(async () => {
  await azurite?.stop();
});

function record(instanceId: string): InstanceRecord {
  return {
    ...pendingInstance({ instanceId, name: 'Orch', input: '"in"', executionId: 'exec1' }),
    status: 'Running',
  };
}

const events = (from: number, count: number): HistoryEvent[] =>
  Array.from({ length: count }, (_, i) => ({
    EventType: EventType.TaskScheduled,
    EventId: from + i,
    IsPlayed: false,
    Timestamp: new Date().toISOString(),
    Name: 'A',
  }));

describe('TaskHubStorage', () => {
  it("creates its own layout, whose names the Azure Storage provider's never take", async () => {
    expect(storage.instances.table.tableName).toBe('StorageTestLocalState');
    expect(storage.history.table.tableName).toBe('StorageTestLocalEvents');
    expect(storage.queues.workItems.name).toBe('storagetest-local-workitems');
    expect(storage.queues.controlQueues.map((q) => q.name)).toEqual([
      'storagetest-local-control-00',
      'storagetest-local-control-01',
    ]);
    expect(await storage.queues.workItems.exists()).toBe(true);
    expect(await storage.hasProviderTaskHub()).toBe(false);
    // The control queue the Azure Storage provider creates for a task hub of the same name:
    const queue = QueueServiceClient.fromConnectionString(azurite.connectionString).getQueueClient(
      'storagetest-control-00',
    );
    await queue.createIfNotExists();
    expect(await storage.hasProviderTaskHub()).toBe(true);
    await queue.delete();
  });

  it('loads only committed episodes, in order, ignoring rows of an episode that lost its commit', async () => {
    const row = record('chain');
    let etag = await storage.instances.write(row, undefined);
    const first = await storage.history.append(row, 1, '', events(0, 450));
    etag = await storage.instances.write({ ...row, lastEpisode: 1, lastToken: first.token }, etag);
    const committed = { ...row, lastEpisode: 1, lastToken: first.token };
    const loser = await storage.history.append(committed, 2, first.token, events(1000, 3));
    const winner = await storage.history.append(committed, 2, first.token, events(450, 5));
    await storage.instances.write({ ...committed, lastEpisode: 2, lastToken: winner.token }, etag);
    await expect(
      storage.instances.write({ ...committed, lastEpisode: 2, lastToken: loser.token }, etag),
    ).rejects.toBeInstanceOf(ConcurrencyConflictError);

    const current = await storage.instances.read('chain');
    const history = await storage.history.load(current!);
    expect(history.map((e) => e.EventId)).toEqual(Array.from({ length: 455 }, (_, i) => i));
    expect(first.rows).toBeGreaterThan(1);
  });

  it('purges every history row of an instance but can keep the current execution', async () => {
    const row = record('purge');
    await storage.instances.write(row, undefined);
    await storage.history.append(row, 1, '', events(0, 3));
    await storage.history.append({ ...row, executionId: 'exec2' }, 1, '', events(0, 2));
    await storage.history.purge('purge', 'exec2');
    const left = storage.history.table.listEntities({ queryOptions: { filter: "PartitionKey eq 'purge'" } });
    const keys: string[] = [];
    for await (const entity of left) keys.push(entity.rowKey ?? '');
    expect(keys.length).toBe(1);
    expect(keys[0]?.startsWith('exec2|')).toBe(true);
  });
});
