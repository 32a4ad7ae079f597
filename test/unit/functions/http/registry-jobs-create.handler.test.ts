import { createRegistryJobsCreateHandler } from '../../../../functions/http/registry-jobs-create.handler';
import { exportJobBody as exportBody } from '../../../support/http-handler-fixtures';
import { answerOf, inMemoryApp } from '../../../support/in-memory-app';

const create = (body: unknown, policy: 'owner' | 'registryRead' = 'owner') => ({
  method: 'POST',
  path: '/jobs/create',
  body,
  policy,
});

describe('registryJobsCreate (POST /jobs/create)', () => {
  it('stores an export job as enqueued and starts its orchestration', async () => {
    const { composition, ports } = inMemoryApp();
    const answer = await answerOf(
      createRegistryJobsCreateHandler(() => composition),
      create(exportBody),
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ jobId: 'id1', type: 'export', status: 'enqueued' });
    expect(ports.durable.registryJobsStarted).toEqual(['id1']);
  });

  it('refuses a job type other than import or export with 400 and stores nothing', async () => {
    const { composition, ports } = inMemoryApp();
    const answer = await answerOf(
      createRegistryJobsCreateHandler(() => composition),
      create({ ...exportBody, type: 'scheduleUpdateTwin' }),
    );
    expect(answer.status).toBe(400);
    expect(answer.errorCode).toBe('ArgumentInvalid');
    expect(ports.registryJobs.rows.size).toBe(0);
  });

  it('refuses a caller without RegistryWrite with 401', async () => {
    const { composition } = inMemoryApp();
    const answer = await answerOf(
      createRegistryJobsCreateHandler(() => composition),
      create(exportBody, 'registryRead'),
    );
    expect(answer.status).toBe(401);
  });
});
