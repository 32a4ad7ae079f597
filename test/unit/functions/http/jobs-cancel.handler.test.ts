import { createJobsCancelHandler } from '../../../../functions/http/jobs-cancel.handler';
import { createJob, INSTANT_DEVICES, seedDevices } from '../../../support/http-handler-fixtures';
import { answerOf, inMemoryApp } from '../../../support/in-memory-app';

const cancel = (jobId: string) => ({ method: 'POST', path: `/jobs/v2/${jobId}/cancel`, params: { jobId } });

describe('jobsCancel (POST /jobs/v2/{jobId}/cancel)', () => {
  it('cancels a queued job and signals its orchestration', async () => {
    const { composition, ports } = inMemoryApp(INSTANT_DEVICES);
    await seedDevices(composition, ['unit-1']);
    await createJob(composition, 'c-1');
    const answer = await answerOf(
      createJobsCancelHandler(() => composition),
      cancel('c-1'),
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ jobId: 'c-1', status: 'cancelled' });
    expect(ports.jobs.rows.get('c-1')?.job.status).toBe('cancelled');
    expect(ports.durable.cancelled).toEqual(['c-1']);
  });

  it('answers an unknown job with 404 JobNotFound and signals nothing', async () => {
    const { composition, ports } = inMemoryApp();
    const answer = await answerOf(
      createJobsCancelHandler(() => composition),
      cancel('nope'),
    );
    expect(answer.status).toBe(404);
    expect(answer.errorCode).toBe('JobNotFound');
    expect(ports.durable.cancelled).toEqual([]);
  });

  it('refuses a registry reader with 401', async () => {
    const { composition } = inMemoryApp();
    const answer = await answerOf(
      createJobsCancelHandler(() => composition),
      {
        ...cancel('c-1'),
        policy: 'registryRead',
      },
    );
    expect(answer.status).toBe(401);
  });
});
