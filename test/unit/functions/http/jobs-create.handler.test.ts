import { createJobsCreateHandler } from '../../../../functions/http/jobs-create.handler';
import { answerOf, inMemoryApp } from '../../../support/in-memory-app';
import { INSTANT_DEVICES, methodJobBody, seedDevices } from '../../../support/http-handler-fixtures';

const put = (jobId: string, body: unknown, query = '', policy: 'owner' | 'registryRead' = 'owner') => ({
  method: 'PUT',
  path: `/jobs/v2/${jobId}${query}`,
  params: { jobId },
  body,
  policy,
});

describe('jobsCreate (PUT /jobs/v2/{jobId})', () => {
  async function app() {
    const { composition, ports } = inMemoryApp(INSTANT_DEVICES);
    await seedDevices(composition, ['unit-1', 'unit-2']);
    return { handler: createJobsCreateHandler(() => composition), ports };
  }

  it('stores the job as queued and starts its orchestration', async () => {
    const { handler, ports } = await app();
    const answer = await answerOf(handler, put('reboot-1', methodJobBody()));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ jobId: 'reboot-1', type: 'scheduleDeviceMethod', status: 'queued' });
    expect(answer.headers['Content-Type']).toBe('application/json; charset=utf-8');
    expect(ports.jobs.rows.get('reboot-1')?.job.status).toBe('queued');
    expect(ports.durable.started.map((input) => input.jobId)).toEqual(['reboot-1']);
  });

  it('answers a dry run (?dryRun=true, any case) without storing or starting anything', async () => {
    const { handler, ports } = await app();
    const answer = await answerOf(handler, put('dry-1', methodJobBody(), '?dryRun=TRUE'));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ jobId: 'dry-1' });
    expect(ports.jobs.rows.size).toBe(0);
    expect(ports.durable.started).toEqual([]);
  });

  it('refuses a dryRun other than true or false with 400 ArgumentInvalid naming dryRun', async () => {
    const { handler, ports } = await app();
    const answer = await answerOf(handler, put('dry-2', methodJobBody(), '?dryRun=maybe'));
    expect(answer.status).toBe(400);
    expect(answer.errorCode).toBe('ArgumentInvalid');
    expect((answer.body as { Message: string }).Message).toMatch(/^ErrorCode:ArgumentInvalid;dryRun/);
    expect(ports.jobs.rows.size).toBe(0);
  });

  it.each([
    ['type', methodJobBody({ type: 'reboot' })],
    ['queryCondition', methodJobBody({ queryCondition: 'tags.fleet = = 1' })],
    ['startTime', methodJobBody({ startTime: 'tomorrow' })],
    ['maxExecutionTimeInSeconds', methodJobBody({ maxExecutionTimeInSeconds: -5 })],
    ['cloudToDeviceMethod.methodName', methodJobBody({ cloudToDeviceMethod: { methodName: 're/boot' } })],
  ])('refuses an invalid %s with 400 ArgumentInvalid and stores nothing', async (field, body) => {
    const { handler, ports } = await app();
    const answer = await answerOf(handler, put('bad', body));
    expect(answer.status).toBe(400);
    expect(
      (answer.body as { Message: string }).Message.startsWith(`ErrorCode:ArgumentInvalid;${field}`),
    ).toBe(true);
    expect(ports.jobs.rows.size).toBe(0);
    expect(ports.durable.started).toEqual([]);
  });

  it('refuses a body that is not JSON with 400 ArgumentInvalid', async () => {
    const { handler } = await app();
    const answer = await answerOf(handler, put('bad-json', '{"type": '));
    expect(answer.status).toBe(400);
    expect(answer.errorCode).toBe('ArgumentInvalid');
  });

  it('refuses a taken job id with 409 JobAlreadyExists and leaves the first job as it was', async () => {
    const { handler, ports } = await app();
    await answerOf(handler, put('dup', methodJobBody()));
    const first = ports.jobs.rows.get('dup');
    const answer = await answerOf(handler, put('dup', methodJobBody({ queryCondition: '*' })));
    expect(answer.status).toBe(409);
    expect(answer.errorCode).toBe('JobAlreadyExists');
    expect(ports.jobs.rows.get('dup')).toEqual(first);
  });

  it('refuses a caller without ServiceConnect, or without a token, with 401 and stores nothing', async () => {
    const { handler, ports } = await app();
    expect((await answerOf(handler, put('by-reader', methodJobBody(), '', 'registryRead'))).status).toBe(401);
    const anonymous = await answerOf(handler, { ...put('anon', methodJobBody()), policy: null });
    expect(anonymous.status).toBe(401);
    expect(anonymous.errorCode).toBe('IotHubUnauthorizedAccess');
    expect(ports.jobs.rows.size).toBe(0);
  });
});
