import { QueueClient } from '@azure/storage-queue';
import { ConcurrencyConflictError } from '../../../shared/iothub-rules';
import { type RunningAzurite, startAzurite } from '../../../packages/func-local/storage/azurite';
import { storeAndStartJob } from '../../../shared/jobs/service/job-creation';
import { publishJobEvents, sweepJobEvents } from '../../../shared/jobs/engine/job-event-publisher';
import type { JobCloudEvent } from '../../../shared/jobs/core/job-events';
import { lifecycleEvents } from '../../../shared/jobs/core/job-events';
import { DEFAULT_JOB_SETTINGS } from '../../../shared/jobs/core/job-settings';
import type { JobEventQueue } from '../../../shared/jobs/core/ports';
import { storageJobEventQueue } from '../../../shared/storage/job-event-queue';
import { type JobStorage, createJobStorage, jobTableNames } from '../../../shared/storage/jobs-storage';

let azurite: RunningAzurite;
let storage: JobStorage;

beforeAll(async () => {
  azurite = await startAzurite({ inMemory: true });
  storage = createJobStorage(azurite.connectionString, jobTableNames('events'));
  await storage.ensureTables();
}, 60_000);

afterAll(async () => {
  await azurite.stop();
});

async function drain(queueName: string): Promise<JobCloudEvent[]> {
  const client = new QueueClient(azurite.connectionString, queueName);
  const events: JobCloudEvent[] = [];
  for (;;) {
    const { receivedMessageItems } = await client.receiveMessages({ numberOfMessages: 32 });
    if (receivedMessageItems.length === 0) return events;
    for (const message of receivedMessageItems) {
      events.push(JSON.parse(Buffer.from(message.messageText, 'base64').toString('utf8')) as JobCloudEvent);
      await client.deleteMessage(message.messageId, message.popReceipt);
    }
  }
}

const definition = {
  jobId: 'outboxed',
  type: 'scheduleUpdateTwin' as const,
  updateTwin: { tags: { a: 1 } },
  targets: { kind: 'deviceIds' as const, deviceIds: ['d1'] },
  startTime: '2026-11-30T10:00:00.000Z',
  maxExecutionTimeInSeconds: 60,
};

describe('job events outbox (Azurite tables and queues)', () => {
  it('keeps an event stored with its change when publishing fails, and the sweep delivers it', async () => {
    const down: JobEventQueue = { send: () => Promise.reject(new Error('queue unreachable')) };
    const started: string[] = [];
    const job = await storeAndStartJob(
      {
        ...storage,
        orchestrations: {
          start: (input) => Promise.resolve(void started.push(input.jobId)),
          raiseCancel: () => Promise.resolve(),
          raiseResume: () => Promise.resolve(),
        },
        ids: { newId: () => 'list' },
        settings: DEFAULT_JOB_SETTINGS,
        events: { outbox: storage.outbox, queue: down, progressIntervalSeconds: 10 },
      },
      definition,
      new Date('2026-11-30T10:00:00.000Z'),
    );
    expect(started).toEqual(['outboxed']);
    expect(job.eventSequence).toBe(1);
    expect((await storage.outbox.pending('outboxed')).map((p) => p.event.type)).toEqual([
      'DeviceJobs.JobCreated',
    ]);

    // A later change of the same job, stored with its event in one transaction.
    const stored = await storage.jobs.get('outboxed');
    if (!stored) throw new Error('job row missing');
    const running = { ...stored.job, status: 'running' as const, runStartedTime: '2026-11-30T10:00:01.000Z' };
    const change = lifecycleEvents(stored.job, running, await storage.jobs.getStatistics('outboxed'), 'now');
    await storage.jobs.update(change.job, stored.etag, change.events);
    await expect(storage.jobs.update(change.job, stored.etag, change.events)).rejects.toBeInstanceOf(
      ConcurrencyConflictError,
    );
    expect((await storage.outbox.pending('outboxed')).map((p) => p.sequence)).toEqual([1, 2]);

    const queue = storageJobEventQueue(azurite.connectionString, 'job-events-it');
    expect(await sweepJobEvents({ outbox: storage.outbox, queue })).toBe(2);
    expect(await storage.outbox.pending('outboxed')).toEqual([]);
    const delivered = await drain('job-events-it');
    expect(delivered.map((event) => [event.type, event.sequence, event.subject])).toEqual([
      ['DeviceJobs.JobCreated', '1', 'outboxed'],
      ['DeviceJobs.JobStarted', '2', 'outboxed'],
    ]);
    expect(new Set(delivered.map((event) => event.id)).size).toBe(2);
    expect(await publishJobEvents({ outbox: storage.outbox, queue }, 'outboxed')).toBe(0);
  });

  it('stores nothing when the id is taken (the change and its event are one transaction)', async () => {
    const stored = await storage.jobs.get('outboxed');
    if (!stored) throw new Error('job row missing');
    const again = lifecycleEvents(
      undefined,
      { ...stored.job, eventSequence: 5 },
      await storage.jobs.getStatistics('x'),
      'now',
    );
    await expect(storage.jobs.create(again.job, again.events)).rejects.toMatchObject({
      code: 'JobAlreadyExists',
    });
    expect(await storage.outbox.pending('outboxed')).toEqual([]);
  });
});
