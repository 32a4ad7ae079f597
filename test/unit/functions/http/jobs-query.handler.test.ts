import { createJobsQueryHandler } from '../../../../functions/http/jobs-query.handler';
import { createJob, INSTANT_DEVICES, seedDevices } from '../../../support/http-handler-fixtures';
import { answerOf, inMemoryApp } from '../../../support/in-memory-app';

describe('jobsQuery (GET /jobs/v2/query)', () => {
  async function app() {
    const { composition } = inMemoryApp(INSTANT_DEVICES);
    await seedDevices(composition, ['unit-1']);
    for (const jobId of ['q-a', 'q-b', 'q-c']) await createJob(composition, jobId);
    return createJobsQueryHandler(() => composition);
  }

  it('pages the jobs by the GA headers, with the continuation token of the next page', async () => {
    const handler = await app();
    const first = await answerOf(handler, {
      method: 'GET',
      path: '/jobs/v2/query?jobType=scheduleDeviceMethod',
      headers: { 'x-ms-max-item-count': '2' },
    });
    expect(first.status).toBe(200);
    expect((first.body as { jobId: string }[]).map((job) => job.jobId)).toEqual(['q-a', 'q-b']);
    expect(first.headers['x-ms-item-type']).toBe('JobResponse');
    const token = first.headers['x-ms-continuation'];
    expect(token).toEqual(expect.any(String));
    const second = await answerOf(handler, {
      method: 'GET',
      path: '/jobs/v2/query?jobType=scheduleDeviceMethod',
      headers: { 'x-ms-max-item-count': '2', 'x-ms-continuation': token ?? '' },
    });
    expect((second.body as { jobId: string }[]).map((job) => job.jobId)).toEqual(['q-c']);
    expect(second.headers['x-ms-continuation']).toBeUndefined();
  });

  it('refuses an unknown jobType with 400 ArgumentInvalid naming it', async () => {
    const handler = await app();
    const answer = await answerOf(handler, { method: 'GET', path: '/jobs/v2/query?jobType=reboot' });
    expect(answer.status).toBe(400);
    expect((answer.body as { Message: string }).Message).toMatch(/^ErrorCode:ArgumentInvalid;jobType/);
  });
});
