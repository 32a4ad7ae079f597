import { QueueClient } from '@azure/storage-queue';
import { Registry } from 'azure-iothub';
import { usePlainHttp } from '../../../shared/devices/iothub/plain-http-agent';
import { startAzurite, type RunningAzurite } from '../../../packages/func-local/storage/azurite';
import { startHostProcess, type HostProcess } from '../../support/local-host-process';
import { waitFor } from '../../support/wait-for';
import { repoRoot, samplePolicy, sampleSettings } from '../devices/device-host';
import { managementUrl, WEBHOOKS } from '../local-host/durable/durable-test-kit';
import { ownerToken, sleep } from './jobs-host';

/**
 * Pause and resume, gated waves and twin rollback (issue 18) through the local host: one host and one Azurite for
 * every case of this file.
 */

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
  schedulingConfig?: Record<string, unknown>;
  nextWindowStart?: string;
  targetSelection?: string;
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

/** NCRONTAB firing daily at `instant`'s second, minute and hour (UTC). */
const dailyAt = (instant: Date) =>
  `${instant.getUTCSeconds()} ${instant.getUTCMinutes()} ${instant.getUTCHours()} * * *`;
const window = (schedule: string, durationInMinutes: number, extra: Record<string, unknown> = {}) => ({
  schedulingConfig: { timeZone: 'UTC', maintenanceWindows: [{ schedule, durationInMinutes }], ...extra },
});
const createFleet = async (entries: { id: string; fleet: string; latencyMs?: number }[]) =>
  expect(
    (
      await call(
        'POST',
        '/devices',
        entries.map(({ id, fleet, latencyMs }) => ({
          id,
          tags: { fleet },
          importMode: 'create',
          status: 'enabled',
          ...(latencyMs ? { simulation: { latencyMs } } : {}),
        })),
      )
    ).status,
  ).toBe(200);
/** A create refused with 400 ArgumentInvalid naming `field`, leaving no job behind. */
async function expectRefused(jobId: string, body: unknown, field: string): Promise<void> {
  const refused = await call('PUT', `/jobs/v2/${jobId}`, body);
  expect([refused.status, refused.headers.get('iothub-errorcode')]).toEqual([400, 'ArgumentInvalid']);
  expect(((await refused.json()) as { Message: string }).Message).toContain(`${field}:`);
  expect((await call('GET', `/jobs/v2/${jobId}`)).status).toBe(404);
}

const retag = async (deviceId: string, fleet: string) => {
  const response = await fetch(`${host.baseUrl}/twins/${deviceId}`, {
    method: 'PATCH',
    headers: { Authorization: await ownerToken(), 'Content-Type': 'application/json', 'If-Match': '*' },
    body: JSON.stringify({ tags: { fleet } }),
  });
  expect(response.status).toBe(200);
};

describe('maintenance windows', () => {
  it('refuses invalid windows naming the field, storing nothing', async () => {
    for (const [config, field] of [
      [
        { maintenanceWindows: [{ schedule: '0 0 2 * *', durationInMinutes: 60 }] },
        'schedulingConfig.maintenanceWindows[0].schedule',
      ],
      [
        { maintenanceWindows: [{ schedule: '0 0 2 * * *', durationInMinutes: 0 }] },
        'schedulingConfig.maintenanceWindows[0].durationInMinutes',
      ],
      [
        {
          timeZone: 'Nowhere/Else',
          maintenanceWindows: [{ schedule: '0 0 2 * * *', durationInMinutes: 60 }],
        },
        'schedulingConfig.timeZone',
      ],
      [
        { maintenanceWindows: [{ schedule: '0 0 2 * * *', durationInMinutes: 60 }], endBehavior: 'halt' },
        'schedulingConfig.endBehavior',
      ],
    ] as const) {
      await expectRefused('bad-window', fleetJob('paced', { schedulingConfig: config }), field);
    }
  });

  it('starts no device before a window hours away, runs one inside its window, cancels at a window end, waits for one on a durable timer', async () => {
    await createFleet([
      ...Array.from({ length: 4 }, (_, i) => ({ id: `soon-${i}`, fleet: 'soon' })),
      ...Array.from({ length: 3 }, (_, i) => ({ id: `night-${i}`, fleet: 'night' })),
      ...Array.from({ length: 3 }, (_, i) => ({ id: `open-${i}`, fleet: 'open' })),
      ...Array.from({ length: 12 }, (_, i) => ({ id: `closing-${i}`, fleet: 'closing', latencyMs: 600 })),
    ]);
    const now = new Date();
    const later = new Date(now.getTime() + 3 * 3600_000);
    const laterCron = dailyAt(later);
    // Opened 2 hours ago in Berlin's zone, open 3 hours: the job runs at once.
    const berlinHour = Number(
      new Intl.DateTimeFormat('en-GB', {
        hour: 'numeric',
        hourCycle: 'h23',
        timeZone: 'Europe/Berlin',
      }).format(now),
    );
    const opened = {
      timeZone: 'Europe/Berlin',
      maintenanceWindows: [{ schedule: `0 0 ${(berlinHour + 22) % 24} * * *`, durationInMinutes: 180 }],
    };
    // Opened 54 s ago for 1 minute: it closes in about 6 s, long before 12 devices one at a time are done.
    const closingCron = dailyAt(new Date(now.getTime() - 54_000));
    // Opens in 3 s: the job waits for it on a durable timer.
    const opens = new Date(Math.ceil((now.getTime() + 3000) / 1000) * 1000);
    await Promise.all([
      json<Job>(await call('PUT', '/jobs/v2/soon', fleetJob('soon', window(dailyAt(opens), 1)))),
      json<Job>(await call('PUT', '/jobs/v2/night', fleetJob('night', window(laterCron, 60)))),
      json<Job>(await call('PUT', '/jobs/v2/open', fleetJob('open', { schedulingConfig: opened }))),
      json<Job>(
        await call(
          'PUT',
          '/jobs/v2/closing',
          fleetJob('closing', {
            rolloutConfig: { maxConcurrency: 1 },
            ...window(closingCron, 1, { endBehavior: 'cancel' }),
          }),
        ),
      ),
    ]);
    expect((await getJob('night')).schedulingConfig).toEqual({
      timeZone: 'UTC',
      maintenanceWindows: [{ schedule: laterCron, durationInMinutes: 60 }],
      endBehavior: 'stopRollout',
    });

    const opensAt = new Date(Math.floor(later.getTime() / 1000) * 1000).toISOString();
    const waiting = await waitJob(
      'night',
      (job) => job.nextWindowStart !== undefined,
      'to wait for its window',
    );
    expect(waiting).toMatchObject({
      status: 'running',
      statusMessage: `Waiting for the maintenance window at ${opensAt}`,
      nextWindowStart: opensAt,
    });
    expect(await deviceJobs('night')).toEqual([]);

    const ran = await waitJob('open', (job) => Boolean(job.endTime), 'to run inside its window');
    expect(ran).toMatchObject({ status: 'completed', schedulingConfig: opened });
    expect(ran.deviceJobStatistics).toMatchObject({ deviceCount: 3, succeededCount: 3 });
    expect(ran.nextWindowStart).toBeUndefined();

    const cut = await waitJob('closing', (job) => Boolean(job.endTime), 'to be cancelled at its window end');
    expect(cut).toMatchObject({
      status: 'cancelled',
      statusMessage: 'Cancelled: the maintenance window ended before every device ran (endBehavior: cancel).',
    });
    const closesAt = now.getTime() + 6_000;
    const rows = await deviceJobs('closing');
    const started = rows.filter((row) => row.startTimeUtc);
    expect(started.length).toBeGreaterThan(0);
    expect(started.length).toBeLessThan(12);
    // Nothing started after the window closed (calls in flight then finished).
    expect(started.every((row) => Date.parse(row.startTimeUtc ?? '') < closesAt + 1000)).toBe(true);
    expect(rows.filter((row) => row.status === 'canceled').length).toBe(12 - started.length);

    expect((await json<Job>(await call('POST', '/jobs/v2/night/cancel'))).status).toBe('cancelled');

    const soon = await waitJob('soon', (job) => Boolean(job.endTime), 'to run in its window');
    expect(soon).toMatchObject({ status: 'completed', statusMessage: 'Completed.' });
    const starts = (await deviceJobs('soon')).map((row) => Date.parse(row.startTimeUtc ?? ''));
    expect(starts).toHaveLength(4);
    expect(starts.every((start) => start >= opens.getTime())).toBe(true);
    // Golden history: the step that found the window closed, then nothing but the durable timer until it opened.
    const step = ['TaskScheduled jobRunDevices', 'TaskCompleted'];
    expect(golden(await historyOf('soon'))).toEqual([
      'ExecutionStarted jobOrchestrator_v4',
      ...['TaskScheduled jobMarkRunning', 'TaskCompleted'],
      ...step,
      ...['TimerCreated', 'TimerFired'],
      ...step,
      ...['TaskScheduled jobFinalize', 'TaskCompleted', 'ExecutionCompleted'],
    ]);
  }, 30_000);
});

describe('continuous jobs', () => {
  it('refuses continuous selection without a query, or with waves', async () => {
    for (const [body, field] of [
      [
        {
          ...fleetJob('paced'),
          queryCondition: undefined,
          deviceIds: ['paced-00'],
          targetSelection: 'continuous',
        },
        'targetSelection',
      ],
      [fleetJob('paced', { targetSelection: 'always' }), 'targetSelection'],
      [
        fleetJob('paced', {
          targetSelection: 'continuous',
          rolloutConfig: {
            waves: [{ name: 'canary', deviceCount: 1, successThresholdPercentage: 100, then: 'pause' }],
          },
        }),
        'rolloutConfig.waves',
      ],
    ] as const) {
      await expectRefused('bad-continuous', body, field);
    }
  });

  it('picks up devices created and re-tagged after its start, each once, until cancelled or its end time', async () => {
    await createFleet([
      ...Array.from({ length: 2 }, (_, i) => ({ id: `cont-${i}`, fleet: 'cont' })),
      { id: 'stray-0', fleet: 'elsewhere' },
    ]);
    const created = await json<Job>(
      await call('PUT', '/jobs/v2/cont', fleetJob('cont', { targetSelection: 'continuous' })),
    );
    expect(created.targetSelection).toBe('continuous');
    // A short continuous job ends at its maxExecutionTimeInSeconds as completed.
    await json<Job>(
      await call(
        'PUT',
        '/jobs/v2/cont-short',
        fleetJob('cont', { targetSelection: 'continuous', maxExecutionTimeInSeconds: 3 }),
      ),
    );
    const first = await waitJob(
      'cont',
      (job) => job.deviceJobStatistics.succeededCount === 2,
      'to run its snapshot',
    );
    expect(first.status).toBe('running');

    const joinedFrom = Date.now();
    await createFleet([{ id: 'cont-new', fleet: 'cont' }]);
    await retag('stray-0', 'cont');
    // Leaving and matching again does not run a device twice, nor does a write that keeps it matching.
    await retag('cont-0', 'elsewhere');
    await retag('cont-0', 'cont');
    await retag('stray-0', 'cont');
    const joined = await waitJob(
      'cont',
      (job) => job.deviceJobStatistics.succeededCount === 4,
      'to run the devices that joined',
    );
    expect(Date.now() - joinedFrom).toBeLessThan(10_000);
    expect(joined).toMatchObject({ status: 'running', deviceJobStatistics: { deviceCount: 4 } });
    await sleep(500);
    const rows = await deviceJobs('cont');
    expect(rows.map((row) => row.deviceId).sort()).toEqual(['cont-0', 'cont-1', 'cont-new', 'stray-0']);
    expect(rows.every((row) => row.status === 'completed')).toBe(true);

    const cancelled = await json<Job>(await call('POST', '/jobs/v2/cont/cancel'));
    expect(cancelled).toMatchObject({ status: 'cancelled', deviceJobStatistics: { deviceCount: 4 } });
    const short = await waitJob('cont-short', (job) => Boolean(job.endTime), 'to reach its end time');
    expect(short).toMatchObject({
      status: 'completed',
      statusMessage: 'Completed: a continuous job ends at its maxExecutionTimeInSeconds (3 s).',
    });
    expect(short.failureReason).toBeUndefined();
  }, 30_000);
});

describe('twin rollback', () => {
  interface Twin {
    tags?: Record<string, unknown>;
    properties: { desired: Record<string, unknown> };
  }
  let registry: Registry;
  const twinOf = async (deviceId: string) =>
    (await registry.getTwin(deviceId)).responseBody as unknown as Twin;
  const desiredOf = (twin: Twin) => {
    const { $metadata: _metadata, $version: _version, ...values } = twin.properties.desired;
    return values;
  };
  const before = {
    tags: { fleet: 'rolled', site: 'old' },
    desired: { fw: { version: '1.0', channel: 'stable' }, legacy: true },
  };
  const patch = {
    tags: { site: 'new', ring: { name: 'canary', wave: 1 } },
    properties: { desired: { fw: { version: '2.0' }, legacy: null, telemetry: 'fast' } },
  };

  beforeAll(async () => {
    const port = Number(new URL(host.baseUrl).port);
    const { name, key } = samplePolicy();
    registry = Registry.fromConnectionString(
      `HostName=localhost;SharedAccessKeyName=${name};SharedAccessKey=${key}`,
    );
    usePlainHttp(registry, port);
    const devices = (prefix: string, fleetName: string, count: number) =>
      Array.from({ length: count }, (_, i) => ({
        id: `${prefix}-${i}`,
        tags: { ...before.tags, fleet: fleetName },
        properties: { desired: before.desired },
        importMode: 'create',
        status: 'enabled',
      }));
    const response = await call('POST', '/devices', [
      ...devices('rb', 'rolled', 5),
      ...devices('ab', 'aborted', 4),
    ]);
    expect(response.status).toBe(200);
  });

  it('restores what a twin job overwrote, absent keys included, and leaves a device changed since alone', async () => {
    const job = { type: 'scheduleUpdateTwin', queryCondition: "tags.fleet = 'rolled'", updateTwin: patch };
    await json<Job>(await call('PUT', '/jobs/v2/tw-rb', job));
    expect((await waitJob('tw-rb', (current) => Boolean(current.endTime), 'to end')).status).toBe(
      'completed',
    );
    expect((await twinOf('rb-0')).tags).toEqual({
      ...before.tags,
      site: 'new',
      ring: { name: 'canary', wave: 1 },
    });

    // Someone else changes a key the job wrote on rb-3, and a key it never touched on rb-4.
    await registry.updateTwin('rb-3', { tags: { ring: { name: 'manual' } } }, '*');
    await registry.updateTwin('rb-4', { properties: { desired: { other: 1 } } }, '*');

    for (const [body, field] of [
      [{ jobId: 5 }, 'jobId'],
      [{ jobId: 'a/b' }, 'jobId'],
      [{ newId: 'x' }, 'newId'],
      ['[1]', 'body'],
    ] as const) {
      const refused = await call('POST', '/jobs/v2/tw-rb/rollback', body);
      expect([refused.status, refused.headers.get('iothub-errorcode')]).toEqual([400, 'ArgumentInvalid']);
      expect(((await refused.json()) as { Message: string }).Message).toContain(`${field}:`);
    }
    expect((await call('POST', '/jobs/v2/no-such-job/rollback')).status).toBe(404);
    expect((await call('GET', '/jobs/v2/tw-rb-rollback')).status).toBe(404);

    const started = await json<Job & { parentJobId: string; rollbackOf: string }>(
      await call('POST', '/jobs/v2/tw-rb/rollback'),
    );
    expect(started).toMatchObject({
      jobId: 'tw-rb-rollback',
      type: 'scheduleUpdateTwin',
      status: 'queued',
      parentJobId: 'tw-rb',
      rollbackOf: 'tw-rb',
    });
    const again = await call('POST', '/jobs/v2/tw-rb/rollback', { jobId: 'tw-rb-rollback' });
    expect([again.status, again.headers.get('iothub-errorcode')]).toEqual([409, 'JobAlreadyExists']);
    const rerun = await call('POST', '/jobs/v2/tw-rb-rollback/rerun', {
      jobId: 'rerun-of-rollback',
      deviceStatuses: ['failed'],
    });
    expect([rerun.status, rerun.headers.get('iothub-errorcode')]).toEqual([400, 'ArgumentInvalid']);
    const ofRollback = await call('POST', '/jobs/v2/tw-rb-rollback/rollback', { jobId: 'undo-undo' });
    expect([ofRollback.status, ofRollback.headers.get('iothub-errorcode')]).toEqual([
      409,
      'JobNotRollbackable',
    ]);

    const done = await waitJob('tw-rb-rollback', (current) => Boolean(current.endTime), 'to end');
    expect(done).toMatchObject({ status: 'completed' });
    expect(done.deviceJobStatistics).toMatchObject({ deviceCount: 5, succeededCount: 4, failedCount: 1 });
    const rows = await deviceJobs('tw-rb-rollback');
    const failed = rows.filter((row) => row.status === 'failed');
    expect(failed.map((row) => [row.deviceId, row.error?.code])).toEqual([['rb-3', 'RollbackConflict']]);
    for (const deviceId of ['rb-0', 'rb-1', 'rb-2', 'rb-4']) {
      const twin = await twinOf(deviceId);
      expect(twin.tags).toEqual(before.tags);
      expect(desiredOf(twin)).toEqual(deviceId === 'rb-4' ? { ...before.desired, other: 1 } : before.desired);
    }
    const conflicted = await twinOf('rb-3');
    expect(conflicted.tags).toEqual({ ...before.tags, site: 'new', ring: { name: 'manual', wave: 1 } });
    expect(desiredOf(conflicted)).toEqual({ fw: { version: '2.0', channel: 'stable' }, telemetry: 'fast' });

    expect(await getJob('tw-rb')).toMatchObject({ rollbackJobId: 'tw-rb-rollback' });
    const events = await eventsOf('tw-rb', ['DeviceJobs.JobRollbackStarted']);
    expect(events.find((event) => event.type === 'DeviceJobs.JobRollbackStarted')?.data).toMatchObject({
      rollbackJobId: 'tw-rb-rollback',
    });
  }, 40_000);

  it('refuses a rollback of a method job, and a rollback abort action on one', async () => {
    const methodJob = fleetJob('rolled-none');
    await json<Job>(await call('PUT', '/jobs/v2/rb-method', methodJob));
    const refused = await call('POST', '/jobs/v2/rb-method/rollback');
    expect([refused.status, refused.headers.get('iothub-errorcode')]).toEqual([409, 'JobNotRollbackable']);
    const abortConfig = {
      criteriaList: [
        { failureType: 'all', action: 'rollback', thresholdPercentage: 50, minNumberOfExecutedDevices: 1 },
      ],
    };
    const response = await call('PUT', '/jobs/v2/rb-method-abort', { ...methodJob, abortConfig });
    expect([response.status, response.headers.get('iothub-errorcode')]).toEqual([400, 'ArgumentInvalid']);
    expect(((await response.json()) as { Message: string }).Message).toContain(
      'abortConfig.criteriaList[0].action:',
    );
    expect((await call('GET', '/jobs/v2/rb-method-abort')).status).toBe(404);
  });

  it('starts <jobId>-rollback itself, once, when an abort criterion with action rollback is met', async () => {
    // Two devices that exist, then two that do not (DeviceNotFound), one at a time: the abort fires at 2 of 4.
    const job = {
      type: 'scheduleUpdateTwin',
      deviceIds: ['ab-0', 'ab-1', 'ghost-0', 'ghost-1', 'ab-2', 'ab-3'],
      updateTwin: patch,
      rolloutConfig: { maxConcurrency: 1 },
      abortConfig: {
        criteriaList: [
          {
            failureType: 'failed',
            action: 'rollback',
            thresholdPercentage: 50,
            minNumberOfExecutedDevices: 4,
          },
        ],
      },
    };
    await json<Job>(await call('PUT', '/jobs/v2/ab-rb', job));
    const aborted = await waitJob('ab-rb', (current) => Boolean(current.endTime), 'to end');
    expect(aborted.status).toBe('failed');
    expect(aborted.failureReason).toMatch(/^Aborted: 2 of 4 executed devices failed/);
    // The finalizing step starts the rollback right after it ended the job.
    const rollback = await waitFor(
      'ab-rb-rollback to end',
      async () => {
        const response = await call('GET', '/jobs/v2/ab-rb-rollback');
        return response.status === 404 ? undefined : json<Job & { parentJobId?: string }>(response);
      },
      (current): current is Job & { parentJobId?: string } => Boolean(current?.endTime),
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    expect(rollback).toMatchObject({ status: 'completed', parentJobId: 'ab-rb' });
    expect(rollback.deviceJobStatistics).toMatchObject({ deviceCount: 2, succeededCount: 2 });
    for (const deviceId of ['ab-0', 'ab-1', 'ab-2', 'ab-3']) {
      const twin = await twinOf(deviceId);
      expect([deviceId, twin.tags]).toEqual([deviceId, { ...before.tags, fleet: 'aborted' }]);
      expect(desiredOf(twin)).toEqual(before.desired);
    }
    const jobs = await json<(Job & { rollbackOf?: string })[]>(
      await call('GET', '/jobs/v2/query?pageSize=1000'),
    );
    expect(jobs.filter((listed) => listed.rollbackOf === 'ab-rb').map((listed) => listed.jobId)).toEqual([
      'ab-rb-rollback',
    ]);
  }, 40_000);
});
