import { QueueClient } from '@azure/storage-queue';
import { startAzurite, type RunningAzurite } from '../../../packages/func-local/storage/azurite';
import { startHostProcess, type HostProcess } from '../../support/local-host-process';
import { waitFor } from '../../support/wait-for';
import { repoRoot, samplePolicy, sampleSettings } from '../devices/device-host';
import { managementUrl, WEBHOOKS } from '../local-host/durable/durable-test-kit';
import { ownerToken, sleep } from './jobs-host';

/** Pause and resume (issue 18) through the local host: one host and one Azurite for every case of this file. */

let azurite: RunningAzurite;
let host: HostProcess;
const EVENTS_QUEUE = 'gate-events';

interface Job {
  jobId: string;
  status: string;
  statusMessage?: string;
  endTime?: string;
  failureReason?: string;
  lastControlAction?: { action: string; by: string; reason?: string; time: string };
  waveStatistics?: WaveStatistics[];
  rolloutConfig?: Record<string, unknown>;
  deviceJobStatistics: Record<'deviceCount' | 'failedCount' | 'succeededCount' | 'runningCount', number>;
}

interface WaveStatistics {
  name: string;
  deviceCount: number;
  succeededCount: number;
  failedCount: number;
  state: string;
}

interface DeviceJob {
  deviceId: string;
  status: string;
  startTimeUtc: string | null;
  error: { code: string } | null;
}

interface HistoryEvent {
  EventType: string;
  Name?: string;
  Timestamp: string;
}

const call = async (method: string, path: string, body?: unknown) =>
  fetch(`${host.baseUrl}${path}`, {
    method,
    headers: { Authorization: await ownerToken(), 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });

async function json<T>(response: Response, status = 200): Promise<T> {
  const text = await response.text();
  if (response.status !== status) throw new Error(`expected ${status}, got ${response.status}: ${text}`);
  return JSON.parse(text) as T;
}

const getJob = async (jobId: string) => json<Job>(await call('GET', `/jobs/v2/${jobId}`));
const control = (jobId: string, action: string, body?: unknown) =>
  call('POST', `/jobs/v2/${jobId}/${action}`, body);

function waitJob(jobId: string, until: (job: Job) => boolean, what: string): Promise<Job> {
  return waitFor(`job ${jobId} ${what}`, () => getJob(jobId), until, { timeoutMs: 30_000, intervalMs: 50 });
}

async function deviceJobs(jobId: string): Promise<DeviceJob[]> {
  const response = await call('POST', '/devices/query', {
    query: `SELECT * FROM devices.jobs WHERE devices.jobs.jobId = '${jobId}'`,
  });
  return json<DeviceJob[]>(response);
}

/** The history of a job's orchestration once it completed (the job's `endTime` is written a moment before). */
async function historyOf(jobId: string): Promise<HistoryEvent[]> {
  const status = await waitFor(
    `the orchestration of ${jobId} to complete`,
    async () => {
      const url = managementUrl(host, `${WEBHOOKS}/instances/${jobId}?showHistory=true`);
      return (await (await fetch(url)).json()) as { runtimeStatus: string; historyEvents: HistoryEvent[] };
    },
    (instance) => instance.runtimeStatus === 'Completed',
  );
  return status.historyEvents;
}

/** Compact golden form of a history: event types, with the activity or event name. */
const golden = (events: HistoryEvent[]) =>
  events.map((event) => (event.Name ? `${event.EventType} ${event.Name}` : event.EventType));

const received: { type: string; subject: string; data: Job }[] = [];
async function eventsOf(jobId: string, types: string[]): Promise<typeof received> {
  const queue = new QueueClient(azurite.connectionString, EVENTS_QUEUE);
  return waitFor(
    `events ${types.join(', ')} of ${jobId}`,
    async () => {
      const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 32 });
      for (const message of receivedMessageItems) {
        const text = Buffer.from(message.messageText, 'base64').toString('utf8');
        received.push(JSON.parse(text) as (typeof received)[number]);
        await queue.deleteMessage(message.messageId, message.popReceipt);
      }
      return received.filter((event) => event.subject === jobId);
    },
    (mine) => types.every((type) => mine.some((event) => event.type === type)),
    { timeoutMs: 20_000, intervalMs: 100 },
  );
}

const method = { methodName: 'update', payload: null, responseTimeoutInSeconds: 10 };
const fleetJob = (fleet: string, extra: Record<string, unknown> = {}) => ({
  type: 'scheduleDeviceMethod',
  cloudToDeviceMethod: method,
  queryCondition: `tags.fleet = '${fleet}'`,
  ...extra,
});

beforeAll(async () => {
  azurite = await startAzurite({ inMemory: true });
  host = await startHostProcess({
    appDir: repoRoot,
    storageConnectionString: azurite.connectionString,
    env: {
      ...sampleSettings(),
      DEMO_FLEET_SIZE: '0',
      SIMULATION_DEFAULT_PROFILE: '{"latencyMs":[20,40],"failureRate":0}',
      SIMULATION_SEED: 'gates-e2e',
      JOB_EVENTS_QUEUE: EVENTS_QUEUE,
      JOB_SHARD_SIZE: '10',
    },
  });
  const fleet = (name: string, count: number, simulation?: (i: number) => Record<string, unknown>) =>
    Array.from({ length: count }, (_, i) => ({
      id: `${name}-${String(i).padStart(2, '0')}`,
      tags: { fleet: name },
      importMode: 'create',
      status: 'enabled',
      ...(simulation ? { simulation: simulation(i) } : {}),
    }));
  const devices = [
    ...fleet('paced', 16),
    ...fleet('held', 8, () => ({ latencyMs: 300 })),
    ...fleet('waved', 12),
    ...fleet('flawed', 8, (i) => ({ failureRate: i === 1 || i === 3 ? 1 : 0 })),
  ];
  expect((await call('POST', '/devices', devices)).status).toBe(200);
}, 60_000);

afterAll(async () => {
  await host?.stop();
  await azurite?.stop();
});

describe('pause and resume', () => {
  it('pauses a rate-limited job: nothing new starts, calls in flight finish; resume finishes it', async () => {
    const paced = fleetJob('paced', { rolloutConfig: { maximumPerMinute: 240 } });
    await json<Job>(await call('PUT', '/jobs/v2/paced', paced));
    await waitJob('paced', (job) => job.deviceJobStatistics.succeededCount >= 2, 'to run 2 devices');
    const paused = await json<Job>(await control('paced', 'pause', { reason: 'checking the canary' }));
    const pausedAt = Date.now();
    expect(paused).toMatchObject({
      status: 'paused',
      statusMessage: 'Paused: checking the canary',
      lastControlAction: { action: 'pause', by: samplePolicy().name, reason: 'checking the canary' },
    });

    // Refused bodies change nothing (checked before the job's state).
    for (const [body, field] of [
      [{ reason: 5 }, 'reason'],
      [{ reason: '' }, 'reason'],
      [{ why: 'x' }, 'why'],
      ['[1]', 'body'],
    ] as const) {
      const refused = await control('paced', 'resume', body);
      expect(refused.status).toBe(400);
      expect(refused.headers.get('iothub-errorcode')).toBe('ArgumentInvalid');
      expect((await refused.json()) as { Message: string }).toMatchObject({
        Message: expect.stringContaining(`${field}:`),
      });
    }
    expect((await control('no-such-job', 'pause')).status).toBe(404);
    const again = await control('paced', 'pause');
    expect([again.status, again.headers.get('iothub-errorcode')]).toEqual([409, 'JobNotRunning']);
    const listed = await json<Job[]>(await call('GET', '/jobs/v2/query?jobStatus=paused'));
    expect(listed.map((job) => job.jobId)).toContain('paced');

    // The step sees the pause within its stop-check interval (0.5 s), as it sees a cancel.
    await sleep(700);
    const startedWhilePaused = (await deviceJobs('paced')).filter((row) => row.startTimeUtc).length;
    await sleep(800);
    const held = await getJob('paced');
    expect(held.status).toBe('paused');
    expect(held.deviceJobStatistics.runningCount).toBe(0);
    expect((await deviceJobs('paced')).filter((row) => row.startTimeUtc)).toHaveLength(startedWhilePaused);
    expect(startedWhilePaused).toBeLessThan(16);

    const resumedAt = Date.now();
    const resumed = await json<Job>(await control('paced', 'resume', { reason: 'canary is fine' }));
    const notPaused = await control('paced', 'resume');
    expect([notPaused.status, notPaused.headers.get('iothub-errorcode')]).toEqual([409, 'JobNotPaused']);
    expect(resumed).toMatchObject({
      status: 'running',
      statusMessage: 'Running.',
      lastControlAction: { action: 'resume', by: samplePolicy().name, reason: 'canary is fine' },
    });
    const done = await waitJob('paced', (job) => Boolean(job.endTime), 'to finish');
    expect(done).toMatchObject({ status: 'completed' });
    expect(done.deviceJobStatistics).toMatchObject({ deviceCount: 16, succeededCount: 16 });
    const starts = (await deviceJobs('paced')).map((row) => Date.parse(row.startTimeUtc ?? ''));
    expect(starts.filter((start) => start > pausedAt + 600 && start < resumedAt)).toEqual([]);

    // Golden history: after the step that stopped for the pause, the orchestration ran nothing until `resume`.
    expect(golden(await historyOf('paced'))).toEqual([
      'ExecutionStarted jobOrchestrator_v4',
      'TaskScheduled jobMarkRunning',
      'TaskCompleted',
      'TaskScheduled jobRunDevices',
      'TaskCompleted',
      'TimerCreated',
      'EventRaised resume',
      'TaskScheduled jobRunDevices',
      'TaskCompleted',
      'TaskScheduled jobFinalize',
      'TaskCompleted',
      'ExecutionCompleted',
    ]);

    const events = await eventsOf('paced', ['DeviceJobs.JobPaused', 'DeviceJobs.JobResumed']);
    const pausedEvent = events.find((event) => event.type === 'DeviceJobs.JobPaused');
    const resumedEvent = events.find((event) => event.type === 'DeviceJobs.JobResumed');
    expect(pausedEvent?.data).toMatchObject({
      status: 'paused',
      lastControlAction: { action: 'pause', by: samplePolicy().name, reason: 'checking the canary' },
    });
    expect(resumedEvent?.data.lastControlAction).toMatchObject({
      action: 'resume',
      reason: 'canary is fine',
    });
    expect(events.filter((event) => event.type === 'DeviceJobs.JobStarted')).toHaveLength(1);
  }, 40_000);

  it('cancels a paused job, and fails one whose deadline passes while it is paused', async () => {
    const slow = fleetJob('held', { rolloutConfig: { maxConcurrency: 1 } });
    await json<Job>(await call('PUT', '/jobs/v2/held-deadline', { ...slow, maxExecutionTimeInSeconds: 4 }));
    await json<Job>(await call('PUT', '/jobs/v2/held-cancel', slow));
    for (const jobId of ['held-deadline', 'held-cancel']) {
      await waitJob(jobId, (job) => job.status === 'running', 'to run');
      await json<Job>(await control(jobId, 'pause'));
    }
    expect((await json<Job>(await call('POST', '/jobs/v2/held-cancel/cancel'))).status).toBe('cancelled');
    const cancelled = await waitJob('held-cancel', (job) => Boolean(job.endTime), 'to end');
    expect(cancelled.status).toBe('cancelled');
    expect(
      (await deviceJobs('held-cancel')).filter((row) => row.status === 'canceled').length,
    ).toBeGreaterThan(0);

    const expired = await waitJob('held-deadline', (job) => Boolean(job.endTime), 'to end');
    expect(expired).toMatchObject({ status: 'failed', statusMessage: 'Failed.' });
    expect(expired.failureReason).toMatch(/maxExecutionTimeInSeconds \(4 s\)/);
    const codes = (await deviceJobs('held-deadline')).map((row) => row.error?.code);
    expect(codes).toContain('JobMaxExecutionTimeExceeded');
  }, 60_000);
});

describe('gated waves', () => {
  const waves = [
    { name: 'canary', deviceCount: 3, successThresholdPercentage: 100, then: 'pause' },
    { name: 'half', devicePercentage: 50, successThresholdPercentage: 90, then: 'continue' },
  ];

  it.each([
    ['rolloutConfig.waves', { waves: [] }],
    ['rolloutConfig.waves[1].name', { waves: [waves[0], { ...waves[1], name: 'canary' }] }],
    ['rolloutConfig.waves[0]', { waves: [{ ...waves[0], devicePercentage: 5 }] }],
    ['rolloutConfig.waves[0].then', { waves: [{ ...waves[0], then: 'wait' }] }],
    ['rolloutConfig.waves[0].colour', { waves: [{ ...waves[0], colour: 'red' }] }],
    ['rolloutConfig.waves[1].devicePercentage', { waves: [waves[0], { ...waves[1], devicePercentage: 0 }] }],
    [
      'rolloutConfig.waves[0].successThresholdPercentage',
      { waves: [{ ...waves[0], successThresholdPercentage: 101 }] },
    ],
  ])('refuses %s and stores nothing', async (field, rolloutConfig) => {
    const response = await call('PUT', '/jobs/v2/bad-waves', fleetJob('waved', { rolloutConfig }));
    const body = (await response.json()) as { Message: string };
    expect([response.status, response.headers.get('iothub-errorcode')]).toEqual([400, 'ArgumentInvalid']);
    expect(body.Message).toContain(`${field}:`);
    expect((await call('GET', '/jobs/v2/bad-waves')).status).toBe(404);
  });

  it('runs a canary that passes, waits for approval with only its devices final, and finishes after resume', async () => {
    const created = await json<Job>(
      await call('PUT', '/jobs/v2/waved', fleetJob('waved', { rolloutConfig: { waves } })),
    );
    expect(created.rolloutConfig).toEqual({ waves });
    expect(created.waveStatistics?.map((wave) => [wave.name, wave.state])).toEqual([
      ['canary', 'pending'],
      ['half', 'pending'],
      ['remaining', 'pending'],
    ]);
    const paused = await waitJob('waved', (job) => job.status === 'paused', 'to pause after its canary');
    expect(paused.statusMessage).toBe(
      'Paused: wave canary: 3 of 3 succeeded (100% ≥ 100%); resume to approve the next wave.',
    );
    expect(paused.lastControlAction).toMatchObject({ action: 'pause', by: 'wave:canary' });
    expect(paused.waveStatistics).toEqual([
      { name: 'canary', deviceCount: 3, succeededCount: 3, failedCount: 0, state: 'passed' },
      { name: 'half', deviceCount: 6, succeededCount: 0, failedCount: 0, state: 'pending' },
      { name: 'remaining', deviceCount: 3, succeededCount: 0, failedCount: 0, state: 'pending' },
    ]);
    const started = async () => (await deviceJobs('waved')).filter((row) => row.startTimeUtc);
    expect((await started()).map((row) => [row.deviceId, row.status])).toEqual([
      ['waved-00', 'completed'],
      ['waved-01', 'completed'],
      ['waved-02', 'completed'],
    ]);
    await sleep(700);
    expect(await started()).toHaveLength(3);

    await json<Job>(await control('waved', 'resume', { reason: 'canary approved' }));
    const done = await waitJob('waved', (job) => Boolean(job.endTime), 'to finish');
    expect(done.status).toBe('completed');
    expect(done.waveStatistics).toEqual([
      { name: 'canary', deviceCount: 3, succeededCount: 3, failedCount: 0, state: 'passed' },
      { name: 'half', deviceCount: 6, succeededCount: 6, failedCount: 0, state: 'passed' },
      { name: 'remaining', deviceCount: 3, succeededCount: 3, failedCount: 0, state: 'passed' },
    ]);
    const listed = await json<Job[]>(await call('GET', '/jobs/v2/query?jobStatus=completed'));
    expect(listed.find((job) => job.jobId === 'waved')?.waveStatistics).toEqual(done.waveStatistics);
  }, 30_000);

  it('pauses a job whose canary fails its threshold, naming the figures', async () => {
    const gated = {
      waves: [{ name: 'canary', deviceCount: 5, successThresholdPercentage: 90, then: 'continue' }],
    };
    await json<Job>(
      await call(
        'PUT',
        '/jobs/v2/flawed',
        fleetJob('flawed', { rolloutConfig: gated, countMethodErrorsAsFailures: true }),
      ),
    );
    const paused = await waitJob('flawed', (job) => job.status === 'paused', 'to pause after its canary');
    expect(paused.statusMessage).toBe('Paused: wave canary: 3 of 5 succeeded (60% < 90%).');
    expect(paused.waveStatistics?.[0]).toEqual({
      name: 'canary',
      deviceCount: 5,
      succeededCount: 3,
      failedCount: 2,
      state: 'failed',
    });
    expect((await deviceJobs('flawed')).filter((row) => row.startTimeUtc)).toHaveLength(5);
    await json<Job>(await call('POST', '/jobs/v2/flawed/cancel'));
    const ended = await waitJob('flawed', (job) => Boolean(job.endTime), 'to end');
    expect(ended.status).toBe('cancelled');
    expect(ended.waveStatistics?.[1]).toMatchObject({ name: 'remaining', deviceCount: 3, state: 'failed' });
  }, 30_000);
});
