import path from 'node:path';
import { QueueServiceClient } from '@azure/storage-queue';
import { startAzurite, type RunningAzurite } from '../../../packages/func-local/storage/azurite';
import { startHostProcess, type HostProcess } from '../../support/local-host-process';
import { isDefined, waitFor } from '../../support/wait-for';

const APP = path.resolve(__dirname, '../../fixtures/queue-app');

interface Seen {
  orders: { message: unknown; metadata: Record<string, unknown> }[];
  work: { message: unknown }[];
  doomed: { message: unknown; dequeueCount: number }[];
  flaky: { message: unknown; dequeueCount: number; at: number }[];
  slow: { done: number; running: number; peak: number };
}

const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

describe('func-local: storage queue triggers', () => {
  let azurite: RunningAzurite;
  let host: HostProcess;
  let queues: QueueServiceClient;

  const seen = async () => (await (await fetch(`${host.baseUrl}/api/seen`)).json()) as Seen;
  const eventually = <T>(probe: () => Promise<T | undefined>): Promise<T> =>
    waitFor('the queue-triggered work', probe, isDefined);

  beforeAll(async () => {
    azurite = await startAzurite({ inMemory: true });
    queues = QueueServiceClient.fromConnectionString(azurite.connectionString);
    host = await startHostProcess({
      appDir: APP,
      storageConnectionString: azurite.connectionString,
      env: { WORK_QUEUE: 'work-items', OtherStorage: 'UseDevelopmentStorage=true' },
    });
  }, 60_000);

  afterAll(async () => {
    await host?.stop();
    await azurite?.stop();
  });

  it('creates the queues of its triggers at start', async () => {
    const names: string[] = [];
    for await (const queue of queues.listQueues()) names.push(queue.name);
    expect(names).toEqual(expect.arrayContaining(['orders', 'work-items', 'doomed', 'flaky', 'slow']));
  });

  it('processes a base64 message, passing JSON and the trigger metadata, then deletes it', async () => {
    const orders = queues.getQueueClient('orders');
    const sent = await orders.sendMessage(base64(JSON.stringify({ orderId: 7, items: ['a'] })));
    const [processed] = await eventually(async () => {
      const { orders: list } = await seen();
      return list.length > 0 ? list : undefined;
    });
    expect(processed?.message).toEqual({ orderId: 7, items: ['a'] });
    expect(processed?.metadata).toMatchObject({
      id: sent.messageId,
      dequeueCount: 1,
      insertionTime: sent.insertedOn.toISOString(),
      expirationTime: sent.expiresOn.toISOString(),
      queueTrigger: { orderId: 7, items: ['a'] },
    });
    expect(typeof processed?.metadata.popReceipt).toBe('string');
    expect(typeof processed?.metadata.nextVisibleTime).toBe('string');
    await host.waitForOutput(/orders: order received/, 5_000);
    await eventually(async () => {
      const { approximateMessagesCount } = await orders.getProperties();
      return approximateMessagesCount === 0 ? true : undefined;
    });
  });

  it('expands %SETTING% in the queue name and resolves a named connection setting', async () => {
    await queues.getQueueClient('work-items').sendMessage(base64('plain text job'));
    const work = await eventually(async () => {
      const list = (await seen()).work;
      return list.length > 0 ? list : undefined;
    });
    expect(work).toEqual([{ message: 'plain text job' }]);
  });

  it('retries a failed message after visibilityTimeout, and it succeeds on its second dequeue', async () => {
    await queues.getQueueClient('flaky').sendMessage(base64('try me'));
    const attempts = await eventually(async () => {
      const list = (await seen()).flaky;
      return list.length >= 2 ? list : undefined;
    });
    expect(attempts.map((attempt) => attempt.dequeueCount)).toEqual([1, 2]);
    const [first, second] = attempts;
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(900);
    await host.waitForOutput(/flaky: Executed 'Functions.flaky' \(Failed\): .*first attempt fails/, 5_000);
    const poison = queues.getQueueClient('flaky-poison');
    expect(await poison.exists()).toBe(false);
  });

  it('processes up to batchSize + newBatchThreshold messages in parallel', async () => {
    const slow = queues.getQueueClient('slow');
    await Promise.all(Array.from({ length: 10 }, (_, i) => slow.sendMessage(base64(`job ${i}`))));
    const done = await eventually(async () => {
      const state = (await seen()).slow;
      return state.done === 10 ? state : undefined;
    });
    expect(done.peak).toBeGreaterThanOrEqual(2);
    expect(done.peak).toBeLessThanOrEqual(4 + 2);
  });

  it('moves a message that keeps failing to <queue>-poison after maxDequeueCount attempts', async () => {
    const body = base64(JSON.stringify({ bad: true }));
    const sent = await queues.getQueueClient('doomed').sendMessage(body);
    const poison = queues.getQueueClient('doomed-poison');
    const poisoned = await eventually(async () => {
      if (!(await poison.exists())) return undefined;
      const { peekedMessageItems } = await poison.peekMessages({ numberOfMessages: 32 });
      return peekedMessageItems.length > 0 ? peekedMessageItems : undefined;
    });
    expect(poisoned.map((message) => message.messageText)).toEqual([body]);
    const attempts = (await seen()).doomed;
    expect(attempts).toEqual([
      { message: { bad: true }, dequeueCount: 1 },
      { message: { bad: true }, dequeueCount: 2 },
    ]);
    await host.waitForOutput(
      new RegExp(
        `Message ${sent.messageId} has reached MaxDequeueCount of 2\\. Moving message to queue 'doomed-poison'`,
      ),
      5_000,
    );
    const { approximateMessagesCount } = await queues.getQueueClient('doomed').getProperties();
    expect(approximateMessagesCount).toBe(0);
  });

  it('sends a message that is not valid base64 to the poison queue after its attempts, without invoking', async () => {
    const before = (await seen()).doomed.length;
    await queues.getQueueClient('doomed').sendMessage('not base64 at all!');
    const poison = queues.getQueueClient('doomed-poison');
    await eventually(async () => {
      const { peekedMessageItems } = await poison.peekMessages({ numberOfMessages: 32 });
      return peekedMessageItems.some((m) => m.messageText === 'not base64 at all!') ? true : undefined;
    });
    expect((await seen()).doomed.length).toBe(before);
    await host.waitForOutput(/doomed: .*not valid Base64/, 5_000);
  });
});
