import { createRegistryJobHandler } from '../../../../functions/http/registry-job.handler';
import { createRegistryJobsCreateHandler } from '../../../../functions/http/registry-jobs-create.handler';
import { answerOf, inMemoryApp } from '../../../support/in-memory-app';
import { exportJobBody as exportBody } from '../../../support/http-handler-fixtures';

async function withExportJob() {
  const built = inMemoryApp();
  await answerOf(
    createRegistryJobsCreateHandler(() => built.composition),
    {
      method: 'POST',
      path: '/jobs/create',
      body: exportBody,
    },
  );
  return { ...built, handler: createRegistryJobHandler(() => built.composition) };
}

describe('registryJob (GET|DELETE /jobs/{jobId})', () => {
  it('reads an import/export job', async () => {
    const { handler } = await withExportJob();
    const answer = await answerOf(handler, { method: 'GET', path: '/jobs/id1', params: { jobId: 'id1' } });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ jobId: 'id1', status: 'enqueued' });
  });

  it('cancels it on DELETE', async () => {
    const { handler, ports } = await withExportJob();
    const answer = await answerOf(handler, { method: 'DELETE', path: '/jobs/id1', params: { jobId: 'id1' } });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ jobId: 'id1', status: 'cancelled' });
    expect(ports.registryJobs.rows.get('id1')?.job.status).toBe('cancelled');
  });

  it('answers an unknown job with 404 JobNotFound', async () => {
    const { handler } = await withExportJob();
    const answer = await answerOf(handler, { method: 'GET', path: '/jobs/nope', params: { jobId: 'nope' } });
    expect(answer.status).toBe(404);
    expect(answer.errorCode).toBe('JobNotFound');
  });

  it('refuses DELETE to a registry reader with 401 and leaves the job running', async () => {
    const { handler, ports } = await withExportJob();
    const answer = await answerOf(handler, {
      method: 'DELETE',
      path: '/jobs/id1',
      params: { jobId: 'id1' },
      policy: 'registryRead',
    });
    expect(answer.status).toBe(401);
    expect(ports.registryJobs.rows.get('id1')?.job.status).toBe('enqueued');
  });
});
