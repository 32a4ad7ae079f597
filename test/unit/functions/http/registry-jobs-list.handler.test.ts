import { createRegistryJobsCreateHandler } from '../../../../functions/http/registry-jobs-create.handler';
import { createRegistryJobsListHandler } from '../../../../functions/http/registry-jobs-list.handler';
import { answerOf, inMemoryApp } from '../../../support/in-memory-app';
import { exportJobBody as exportBody } from '../../../support/http-handler-fixtures';

describe('registryJobsList (GET /jobs)', () => {
  it('lists the import/export jobs as a bare array, to a registry reader', async () => {
    const { composition } = inMemoryApp();
    await answerOf(
      createRegistryJobsCreateHandler(() => composition),
      {
        method: 'POST',
        path: '/jobs/create',
        body: exportBody,
      },
    );
    const answer = await answerOf(
      createRegistryJobsListHandler(() => composition),
      {
        method: 'GET',
        path: '/jobs',
        policy: 'registryRead',
      },
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual([expect.objectContaining({ jobId: 'id1', type: 'export' })]);
  });

  it('refuses a caller with no registry right with 401', async () => {
    const { composition } = inMemoryApp();
    const answer = await answerOf(
      createRegistryJobsListHandler(() => composition),
      {
        method: 'GET',
        path: '/jobs',
        policy: 'service',
      },
    );
    expect(answer.status).toBe(401);
  });
});
