import { MessageSender } from '../../../../packages/func-local/durable/message-sender';
import type { OutgoingMessage } from '../../../../packages/func-local/durable/messages';
import { TaskHubStorage } from '../../../../packages/func-local/durable/task-hub-storage';
import { startAzurite, type RunningAzurite } from '../../../../packages/func-local/storage/azurite';
import { testSettings } from './durable-test-app';

let azurite: RunningAzurite;
let storage: TaskHubStorage;

beforeAll(async () => {
  azurite = await startAzurite({ inMemory: true });
  storage = new TaskHubStorage(azurite.connectionString, 'SenderTest', 1, () => undefined);
  await storage.ensure();
}, 60_000);

afterAll(async () => {
  await azurite?.stop();
});

const episodeMessages: OutgoingMessage[] = [
  {
    target: 'workItem',
    body: { instanceId: 'i1', executionId: 'e1', taskScheduledId: 0, name: 'Step', input: null },
  },
  {
    target: 'control',
    body: { kind: 'EventRaised', instanceId: 'other', name: 'go', input: null },
  },
];

async function counts(): Promise<{ workItems: number; control: number }> {
  const [workItems, control] = await Promise.all(
    [storage.queues.workItems, storage.queues.controlQueueFor('other')].map(
      async (queue) => (await queue.getProperties()).approximateMessagesCount ?? 0,
    ),
  );
  return { workItems, control } as { workItems: number; control: number };
}

/** What another host polling the queues would receive now. */
async function visibleToOthers(): Promise<number> {
  const received = await Promise.all(
    [storage.queues.workItems, storage.queues.controlQueueFor('other')].map((queue) =>
      storage.queues.receive(queue, 32, 1),
    ),
  );
  await Promise.all(
    received.flatMap((messages, i) =>
      messages.map((m) =>
        storage.queues.delete(
          i === 0 ? storage.queues.workItems : storage.queues.controlQueueFor('other'),
          m,
        ),
      ),
    ),
  );
  return received.flat().length;
}

describe('MessageSender on Azurite', () => {
  const sender = () =>
    new MessageSender(storage, testSettings('SenderTest', { workItemQueueVisibilityMs: 30_000 }), {}, () => {
      throw new Error('unexpected warning');
    });

  it('keeps an episode’s messages invisible to every host until released, and withdraws them on discard', async () => {
    const staged = await sender().stage(episodeMessages);
    expect(await counts()).toEqual({ workItems: 1, control: 1 });
    expect(await visibleToOthers()).toBe(0);
    await staged.discard();
    expect(await counts()).toEqual({ workItems: 0, control: 0 });
  });

  it('makes released messages visible to other hosts when this host cannot take them', async () => {
    const staged = await sender().stage(episodeMessages);
    expect(await visibleToOthers()).toBe(0);
    await staged.release();
    expect(await visibleToOthers()).toBe(2);
    expect(await counts()).toEqual({ workItems: 0, control: 0 });
  });
});
