import { randomBytes } from 'node:crypto';
import { samplePolicy } from '../devices/device-host';
import { type JobsHost, seedFleet, startJobsHost } from './jobs-host';
import { waitFor } from '../../support/wait-for';

const reader = { name: 'reader', key: randomBytes(32).toString('base64') };
let host: JobsHost;

beforeAll(async () => {
  const owner = samplePolicy();
  host = await startJobsHost({
    JOBS_ACCESS_POLICIES: JSON.stringify([
      { ...owner, rights: ['RegistryRead', 'RegistryWrite', 'ServiceConnect'] },
      { ...reader, rights: ['RegistryRead'] },
    ]),
  });
  await seedFleet(
    host,
    Array.from({ length: 5 }, (_, i) => ({ id: `http-${i}`, tags: { fleet: 'http', n: i } })),
  );
}, 120_000);

afterAll(async () => {
  await host?.stop();
});

interface Job {
  jobId: string;
  type: string;
  status: string;
  cloudToDeviceMethod?: Record<string, unknown>;
  deviceJobStatistics: Record<string, number>;
}

const methodJob = (extra: Record<string, unknown> = {}) => ({
  type: 'scheduleDeviceMethod',
  cloudToDeviceMethod: { methodName: 'reboot', payload: { a: 1 }, responseTimeoutInSeconds: 10 },
  queryCondition: "tags.fleet = 'http'",
  ...extra,
});

async function put(jobId: string, body: unknown): Promise<Response> {
  return host.http('PUT', `/jobs/v2/${jobId}?api-version=2021-04-12`, { body });
}

function waitFinished(jobId: string): Promise<Job> {
  return waitFor(
    `job ${jobId} to finish`,
    async () => (await (await host.http('GET', `/jobs/v2/${jobId}`)).json()) as Job,
    (job) => ['completed', 'failed', 'cancelled'].includes(job.status),
    { timeoutMs: 20_000 },
  );
}

describe('the /jobs/v2 API over HTTP', () => {
  it('accepts the preview vocabulary (deviceIds, scheduleDirectRequest, timeoutInSeconds) and answers in GA terms', async () => {
    const response = await put('preview-ids', {
      jobId: 'preview-ids',
      type: 'scheduleDirectRequest',
      cloudToDeviceMethod: { methodName: 'reboot', payload: null, timeoutInSeconds: 7 },
      deviceIds: ['http-0', 'http-1', 'no-such-device'],
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const created = (await response.json()) as Job;
    expect(created).toMatchObject({
      jobId: 'preview-ids',
      type: 'scheduleDeviceMethod',
      cloudToDeviceMethod: { methodName: 'reboot', responseTimeoutInSeconds: 7, connectTimeoutInSeconds: 0 },
    });
    const job = await waitFinished('preview-ids');
    expect(job.status).toBe('completed');
    expect(job.deviceJobStatistics).toMatchObject({ deviceCount: 3, succeededCount: 2, failedCount: 1 });

    const results = await host.http('POST', '/devices/query?api-version=2016-09-30-preview', {
      body: { query: "SELECT * FROM devices.jobs WHERE devices.jobs.deviceId = 'no-such-device'" },
    });
    expect(results.headers.get('x-ms-item-type')).toBe('DeviceJob');
    expect(results.headers.get('x-ms-continuation')).toBeNull();
    expect(await results.json()).toMatchObject([
      { jobId: 'preview-ids', status: 'failed', error: { code: 'DeviceNotFound' } },
    ]);
  });

  it("has no route shadowing under Azure's route order except the listing taking GET /jobs/v2/query from jobsRead", () => {
    const shadowings = host.running.host.output.filter((line) => / shadows route /.test(line));
    expect(
      shadowings.map((line) => /of function "(\w+)" shadows .* of function "(\w+)"/.exec(line)?.slice(1)),
    ).toEqual([['jobsQuery', 'jobsRead']]);
  });

  it('serves GET /jobs/v2/query (jobsQuery sorts before jobsRead, so it wins under Azure route order) with both paging styles and case-insensitive filters', async () => {
    for (const id of ['page-a', 'page-b', 'page-c']) expect((await put(id, methodJob())).status).toBe(200);
    for (const id of ['page-a', 'page-b', 'page-c']) await waitFinished(id);

    const byHeaders: string[] = [];
    let continuation: string | null = null;
    let pages = 0;
    do {
      const headers: Record<string, string> = { 'x-ms-max-item-count': '2' };
      if (continuation) headers['x-ms-continuation'] = continuation;
      const response = await host.http(
        'GET',
        '/jobs/v2/query?api-version=2021-04-12&jobType=ScheduleDeviceMethod',
        {
          headers,
        },
      );
      expect(response.status).toBe(200);
      expect(response.headers.get('x-ms-item-type')).toBe('JobResponse');
      const items = (await response.json()) as Job[];
      expect(items.length).toBeLessThanOrEqual(2);
      byHeaders.push(...items.map((job) => job.jobId));
      continuation = response.headers.get('x-ms-continuation');
      pages += 1;
    } while (continuation);
    expect(byHeaders.sort()).toEqual(['page-a', 'page-b', 'page-c', 'preview-ids']);
    expect(pages).toBe(2);

    const byParams: string[] = [];
    let token = '';
    do {
      const query = `jobStatus=COMPLETED&pageSize=3${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}`;
      const response = await host.http('GET', `/jobs/v2/query?${query}`);
      byParams.push(...((await response.json()) as Job[]).map((job) => job.jobId));
      token = response.headers.get('x-ms-continuation') ?? '';
    } while (token);
    expect(byParams.sort()).toEqual(byHeaders);

    const twins = await host.http('GET', '/jobs/v2/query?jobType=scheduleUpdateTwin');
    expect(await twins.json()).toEqual([]);
    const invalid = await host.http('GET', '/jobs/v2/query?jobType=reboot');
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { Message: string }).Message).toMatch(
      /^ErrorCode:ArgumentInvalid;jobType/,
    );
  }, 30_000);

  it.each([
    ['The job request is not valid JSON', '{"type": ', 'preview-bad-json'],
    ['type', methodJob({ type: 'reboot' }), 'bad-type'],
    ['queryCondition', methodJob({ queryCondition: 'tags.fleet = = 1' }), 'bad-query'],
    ['queryCondition', methodJob({ deviceIds: ['http-0'] }), 'both-targets'],
    ['deviceIds', { ...methodJob(), queryCondition: undefined, deviceIds: ['bad id'] }, 'bad-ids'],
    [
      'cloudToDeviceMethod.responseTimeoutInSeconds',
      methodJob({ cloudToDeviceMethod: { methodName: 'reboot', responseTimeoutInSeconds: 2 } }),
      'bad-timeout',
    ],
    [
      'cloudToDeviceMethod.methodName',
      methodJob({ cloudToDeviceMethod: { methodName: 're/boot' } }),
      'bad-name',
    ],
    ['startTime', methodJob({ startTime: 'tomorrow' }), 'bad-start'],
    ['maxExecutionTimeInSeconds', methodJob({ maxExecutionTimeInSeconds: -5 }), 'bad-max'],
    [
      'updateTwin',
      {
        type: 'scheduleUpdateTwin',
        queryCondition: '*',
        updateTwin: { properties: { reported: { x: 1 } } },
      },
      'bad-twin',
    ],
  ])('refuses an invalid %s with 400 ArgumentInvalid and stores nothing', async (field, body, jobId) => {
    const response = await put(jobId, body);
    expect(response.status).toBe(400);
    expect(response.headers.get('iothub-errorcode')).toBe('ArgumentInvalid');
    const error = (await response.json()) as { Message: string; ExceptionMessage: string };
    expect(error.Message.startsWith(`ErrorCode:ArgumentInvalid;${field}`)).toBe(true);
    expect(error.ExceptionMessage).toMatch(/^Tracking ID:[0-9A-F]{32}-G:0-TimeStamp:/);
    const after = await host.http('GET', `/jobs/v2/${jobId}`);
    expect(after.status).toBe(404);
    expect(after.headers.get('iothub-errorcode')).toBe('JobNotFound');
  });

  it('refuses a continuation token it did not issue with 400 on every listing that pages', async () => {
    const notIssued = [
      'forged',
      Buffer.from('{"nextPartitionKey":"page-a","nextRowKey":"job"}').toString('base64'),
      '1:',
      Buffer.from(JSON.stringify({ returned: 0 })).toString('base64url'),
    ];
    const query = (text: string, token: string) =>
      host.http('POST', '/devices/query', {
        body: { query: text },
        headers: { 'x-ms-continuation': token, 'x-ms-max-item-count': '1' },
      });
    for (const token of notIssued) {
      const answers = [
        await host.http('GET', '/jobs/v2/query', { headers: { 'x-ms-continuation': token } }),
        await host.http('GET', `/jobs/v2/query?continuationToken=${encodeURIComponent(token)}`),
        await query('SELECT * FROM devices.jobs', token),
        await query('SELECT * FROM devices', token),
      ];
      for (const answer of answers) {
        expect(answer.status).toBe(400);
        expect(answer.headers.get('iothub-errorcode')).toBe('ArgumentInvalid');
      }
    }
    const twins = await query('SELECT * FROM devices', '');
    const issuedForTwins = twins.headers.get('x-ms-continuation') ?? '';
    expect(issuedForTwins).not.toBe('');
    expect((await query('SELECT * FROM devices.jobs', issuedForTwins)).status).toBe(400);
  });

  it('refuses a job id outside the URL-safe set', async () => {
    const response = await put('a'.repeat(129), methodJob());
    expect(response.status).toBe(400);
    expect(((await response.json()) as { Message: string }).Message).toMatch(
      /^ErrorCode:ArgumentInvalid;jobId/,
    );
  });

  it('refuses a duplicate job id with 409 JobAlreadyExists and leaves the first job untouched', async () => {
    const later = new Date(Date.now() + 3_600_000).toISOString();
    expect((await put('dup', methodJob({ startTime: later }))).status).toBe(200);
    const second = await put(
      'dup',
      methodJob({ cloudToDeviceMethod: { methodName: 'factoryReset' }, queryCondition: '*' }),
    );
    expect(second.status).toBe(409);
    expect(second.headers.get('iothub-errorcode')).toBe('JobAlreadyExists');
    const first = (await (await host.http('GET', '/jobs/v2/dup')).json()) as Job & { queryCondition: string };
    expect(first).toMatchObject({
      status: 'scheduled',
      queryCondition: "tags.fleet = 'http'",
      cloudToDeviceMethod: { methodName: 'reboot' },
    });
    const cancelled = await host.http('POST', '/jobs/v2/dup/cancel', { headers: { 'Content-Length': '0' } });
    expect(((await cancelled.json()) as Job).status).toBe('cancelled');
  });

  it('takes a 100,000-id deviceIds job (no 8 KB limit)', async () => {
    const deviceIds = Array.from({ length: 100_000 }, (_, i) => `bulk-${i}`);
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const response = await put('hundred-k', {
      ...methodJob(),
      queryCondition: undefined,
      deviceIds,
      startTime: later,
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as Job).status).toBe('queued');
    expect((await host.http('POST', '/jobs/v2/hundred-k/cancel')).status).toBe(200);
  }, 30_000);

  it('authorizes every endpoint by SAS: 401 without a valid token, readers may read but not create or cancel', async () => {
    const anonymous = await fetch(`${host.running.host.baseUrl}/jobs/v2/query`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('iothub-errorcode')).toBe('IotHubUnauthorizedAccess');
    const forged = await host.http('GET', '/jobs/v2/page-a', {
      policy: { name: 'iothubowner', key: randomBytes(32).toString('base64') },
    });
    expect(forged.status).toBe(401);

    expect((await host.http('GET', '/jobs/v2/page-a', { policy: reader })).status).toBe(200);
    expect((await host.http('GET', '/jobs/v2/query', { policy: reader })).status).toBe(200);
    const results = await host.http('POST', '/devices/query', {
      policy: reader,
      body: { query: "SELECT * FROM devices.jobs WHERE devices.jobs.jobId = 'page-a'" },
    });
    expect(((await results.json()) as unknown[]).length).toBe(5);
    const create = await host.http('PUT', '/jobs/v2/by-reader', { policy: reader, body: methodJob() });
    expect(create.status).toBe(401);
    expect((await host.http('GET', '/jobs/v2/by-reader')).status).toBe(404);
    expect((await host.http('POST', '/jobs/v2/page-a/cancel', { policy: reader })).status).toBe(401);
  });

  it('maps errors for the SDK: JobClient.getJob of an unknown job fails with 404 JobNotFound', async () => {
    const error = await host.jobClient.getJob('never-created').then(
      () => undefined,
      (failure: unknown) =>
        failure as { response?: { statusCode?: number; headers?: Record<string, string> } },
    );
    expect(error?.response?.statusCode).toBe(404);
    expect(error?.response?.headers?.['iothub-errorcode']).toBe('JobNotFound');
  });
});
