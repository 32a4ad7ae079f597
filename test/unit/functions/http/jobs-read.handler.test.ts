import { createJobsReadHandler } from '../../../../functions/http/jobs-read.handler';
import { createJob, INSTANT_DEVICES, seedDevices } from '../../../support/http-handler-fixtures';
import { answerOf, inMemoryApp } from '../../../support/in-memory-app';

describe('jobsRead (GET /jobs/v2/{jobId})', () => {
  it('answers the job with its statistics, to a registry reader too', async () => {
    const { composition } = inMemoryApp(INSTANT_DEVICES);
    await seedDevices(composition, ['unit-1']);
    await createJob(composition, 'read-1');
    const handler = createJobsReadHandler(() => composition);
    const answer = await answerOf(handler, {
      method: 'GET',
      path: '/jobs/v2/read-1',
      params: { jobId: 'read-1' },
      policy: 'registryRead',
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ jobId: 'read-1', status: 'queued', deviceJobStatistics: {} });
    expect(answer.headers['Cache-Control']).toBe('no-store');
  });

  it('answers an unknown job with 404 JobNotFound', async () => {
    const { composition } = inMemoryApp();
    const handler = createJobsReadHandler(() => composition);
    const answer = await answerOf(handler, {
      method: 'GET',
      path: '/jobs/v2/nope',
      params: { jobId: 'nope' },
    });
    expect(answer.status).toBe(404);
    expect(answer.errorCode).toBe('JobNotFound');
    expect((answer.body as { Message: string }).Message).toMatch(/^ErrorCode:JobNotFound;/);
  });
});
