import { EventType, type HistoryEvent } from '../../../../local-host/durable/history-event';
import {
  ConcurrencyConflictError,
  pendingInstance,
  TaskHubStorage,
  type InstanceRecord,
} from '../../../../local-host/durable/task-hub-storage';
import { startAzurite, type RunningAzurite } from '../../../../local-host/storage/azurite';

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
  it('creates the Azure Storage layout: tables and lowercase queues', async () => {
    expect(storage.instances.tableName).toBe('StorageTestInstances');
    expect(storage.history.tableName).toBe('StorageTestHistory');
    expect(storage.workItems.name).toBe('storagetest-workitems');
    expect(storage.controlQueues.map((q) => q.name)).toEqual([
      'storagetest-control-00',
      'storagetest-control-01',
    ]);
    expect(await storage.workItems.exists()).toBe(true);
  });

  it('loads only committed episodes, in order, ignoring rows of an episode that lost its commit', async () => {
    const row = record('chain');
    let etag = await storage.writeInstance(row, undefined);
    const first = await storage.appendEpisode(row, 1, '', events(0, 450));
    etag = await storage.writeInstance({ ...row, lastEpisode: 1, lastToken: first.token }, etag);
    const committed = { ...row, lastEpisode: 1, lastToken: first.token };
    const loser = await storage.appendEpisode(committed, 2, first.token, events(1000, 3));
    const winner = await storage.appendEpisode(committed, 2, first.token, events(450, 5));
    await storage.writeInstance({ ...committed, lastEpisode: 2, lastToken: winner.token }, etag);
    await expect(
      storage.writeInstance({ ...committed, lastEpisode: 2, lastToken: loser.token }, etag),
    ).rejects.toBeInstanceOf(ConcurrencyConflictError);

    const current = await storage.readInstance('chain');
    const history = await storage.loadHistory(current!);
    expect(history.map((e) => e.EventId)).toEqual(Array.from({ length: 455 }, (_, i) => i));
    expect(first.rows).toBeGreaterThan(1);
  });

  it('purges every history row of an instance but can keep the current execution', async () => {
    const row = record('purge');
    await storage.writeInstance(row, undefined);
    await storage.appendEpisode(row, 1, '', events(0, 3));
    await storage.appendEpisode({ ...row, executionId: 'exec2' }, 1, '', events(0, 2));
    await storage.purgeHistory('purge', 'exec2');
    const left = storage.history.listEntities({ queryOptions: { filter: "PartitionKey eq 'purge'" } });
    const keys: string[] = [];
    for await (const entity of left) keys.push(entity.rowKey ?? '');
    expect(keys.length).toBe(1);
    expect(keys[0]?.startsWith('exec2|')).toBe(true);
  });
});
