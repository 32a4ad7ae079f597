import { QueueClient } from '@azure/storage-queue';
import { startAzurite, type RunningAzurite } from '../../../packages/func-local/storage/azurite';
import { startHostProcess, type HostProcess } from '../../support/local-host-process';
import { repoRoot, sampleSettings } from '../devices/device-host';
import { ownerToken, sleep } from './jobs-host';

let azurite: RunningAzurite;
let host: HostProcess;

interface CloudEvent {
  specversion: string;
  id: string;
  source: string;
  type: string;
  subject: string;
  time: string;
  sequence: string;
  data: {
    jobId: string;
    status: string;
    failureReason?: string;
    deviceJobStatistics: Record<string, number>;
  };
}

const call = async (method: string, path: string, body?: unknown) =>
  fetch(`${host.baseUrl}${path}`, {
    method,
    headers: { Authorization: await ownerToken(), 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

beforeAll(async () => {
  azurite = await startAzurite({ inMemory: true });
  host = await startHostProcess({
    appDir: repoRoot,
    storageConnectionString: azurite.connectionString,
    env: {
      ...sampleSettings(),
      DEMO_FLEET_SIZE: '0',
      SIMULATION_DEFAULT_PROFILE: '{"latencyMs":200,"failureRate":0}',
      JOB_EVENTS_QUEUE: 'fleet-events',
      JOB_PROGRESS_EVENT_SECONDS: '1',
    },
  });
  const devices = Array.from({ length: 12 }, (_, i) => ({
    id: `ev-${i}`,
    importMode: 'create',
    status: 'enabled',
  }));
  expect((await call('POST', '/devices', devices)).status).toBe(200);
}, 60_000);

afterAll(async () => {
  await host?.stop();
  await azurite?.stop();
});

/** Every event of `jobId` received so far from the queue (other jobs' events are kept for their own reads). */
const received: CloudEvent[] = [];
async function eventsOf(jobId: string, until: (events: CloudEvent[]) => boolean): Promise<CloudEvent[]> {
  const queue = new QueueClient(azurite.connectionString, 'fleet-events');
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 32 });
    for (const message of receivedMessageItems) {
      received.push(JSON.parse(Buffer.from(message.messageText, 'base64').toString('utf8')) as CloudEvent);
      await queue.deleteMessage(message.messageId, message.popReceipt);
    }
    const mine = received.filter((event) => event.subject === jobId);
    if (until(mine)) return mine;
    if (Date.now() > deadline)
      throw new Error(`events of ${jobId}: ${JSON.stringify(mine.map((e) => e.type))}`);
    if (receivedMessageItems.length === 0) await sleep(200);
  }
}

const ended = (events: CloudEvent[]) =>
  events.some((event) => /JobCompleted|JobFailed|JobCancelled/.test(event.type));

/** Events de-duplicated by id (delivery is at least once), in sequence order. */
const unique = (events: CloudEvent[]) =>
  [...new Map(events.map((event) => [event.id, event])).values()].sort(
    (a, b) => Number(a.sequence) - Number(b.sequence),
  );

describe('job events (CloudEvents on a Storage queue)', () => {
  it('publishes a job life in order: created, started, progress, completed', async () => {
    const job = {
      type: 'scheduleDeviceMethod',
      cloudToDeviceMethod: { methodName: 'ping', payload: null },
      queryCondition: '*',
      rolloutConfig: { maxConcurrency: 1 },
    };
    expect((await call('PUT', '/jobs/v2/evented', job)).status).toBe(200);
    const raw = await eventsOf('evented', ended);
    // First arrivals already come in order; duplicates (if any) repeat an earlier id.
    const firstArrivals = [...new Map(raw.map((event) => [event.id, event])).values()];
    expect(firstArrivals.map((event) => Number(event.sequence))).toEqual(
      firstArrivals.map((_, index) => index + 1),
    );
    const events = unique(raw);
    const types = events.map((event) => event.type.replace('DeviceJobs.', ''));
    expect(types[0]).toBe('JobCreated');
    expect(types[1]).toBe('JobStarted');
    expect(types.at(-1)).toBe('JobCompleted');
    expect(types.slice(2, -1).length).toBeGreaterThanOrEqual(1);
    expect(new Set(types.slice(2, -1))).toEqual(new Set(['JobProgress']));
    for (const event of events) {
      expect(event).toMatchObject({ specversion: '1.0', source: '/jobs/v2', subject: 'evented' });
      expect(event.data.jobId).toBe('evented');
      expect(Number.isNaN(Date.parse(event.time))).toBe(false);
    }
    const progress = events.filter((event) => event.type === 'DeviceJobs.JobProgress');
    for (const event of progress) {
      const stats = event.data.deviceJobStatistics;
      expect(stats.deviceCount).toBe(
        (stats.failedCount ?? 0) +
          (stats.succeededCount ?? 0) +
          (stats.runningCount ?? 0) +
          (stats.pendingCount ?? 0),
      );
    }
    expect(events.at(-1)?.data).toMatchObject({
      status: 'completed',
      deviceJobStatistics: { succeededCount: 12 },
    });
  }, 60_000);

  it('publishes JobFailed with the failure reason and JobCancelled when a cancelled job ends', async () => {
    const failing = {
      type: 'scheduleDeviceMethod',
      cloudToDeviceMethod: { methodName: 'ping', payload: null },
      deviceIds: ['ev-0', 'missing-1', 'missing-2', 'missing-3'],
      rolloutConfig: { maxConcurrency: 1 },
      abortConfig: {
        criteriaList: [
          { failureType: 'all', action: 'cancel', thresholdPercentage: 50, minNumberOfExecutedDevices: 2 },
        ],
      },
    };
    expect((await call('PUT', '/jobs/v2/evented-failed', failing)).status).toBe(200);
    const failed = unique(await eventsOf('evented-failed', ended));
    expect(failed.at(-1)).toMatchObject({ type: 'DeviceJobs.JobFailed', data: { status: 'failed' } });
    expect(failed.at(-1)?.data.failureReason).toMatch(/^Aborted: /);

    const slow = {
      type: 'scheduleDeviceMethod',
      cloudToDeviceMethod: { methodName: 'ping', payload: null },
      queryCondition: '*',
      rolloutConfig: { maxConcurrency: 1 },
    };
    expect((await call('PUT', '/jobs/v2/evented-cancel', slow)).status).toBe(200);
    await sleep(500);
    expect((await call('POST', '/jobs/v2/evented-cancel/cancel')).status).toBe(200);
    const cancelled = unique(await eventsOf('evented-cancel', ended));
    expect(cancelled.map((event) => event.type).filter((type) => type !== 'DeviceJobs.JobProgress')).toEqual([
      'DeviceJobs.JobCreated',
      'DeviceJobs.JobStarted',
      'DeviceJobs.JobCancelled',
    ]);
  }, 60_000);
});
