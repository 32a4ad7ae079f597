import { createJobsRollbackHandler } from '../../../../functions/http/jobs-rollback.handler';
import {
  createJob,
  INSTANT_DEVICES,
  methodJobBody,
  seedDevices,
  setJobStatus,
} from '../../../support/http-handler-fixtures';
import { answerOf, inMemoryApp } from '../../../support/in-memory-app';

const rollback = (jobId: string, body?: unknown) => ({
  method: 'POST',
  path: `/jobs/v2/${jobId}/rollback`,
  params: { jobId },
  ...(body === undefined ? {} : { body }),
  policy: 'service' as const,
});

const twinJobBody = {
  type: 'scheduleUpdateTwin',
  updateTwin: { properties: { desired: { firmware: '2.0' } } },
  queryCondition: "tags.fleet = 'unit'",
};

async function appWithJob(jobId: string, body: Record<string, unknown>) {
  const app = inMemoryApp(INSTANT_DEVICES);
  await seedDevices(app.composition, ['unit-1']);
  await createJob(app.composition, jobId, body);
  return { ...app, handler: createJobsRollbackHandler(() => app.composition) };
}

describe('jobsRollback (POST /jobs/v2/{jobId}/rollback)', () => {
  it('starts <jobId>-rollback for an ended twin job and records it on the parent', async () => {
    const { handler, ports } = await appWithJob('tw-1', twinJobBody);
    setJobStatus(ports, 'tw-1', 'completed');
    const answer = await answerOf(handler, rollback('tw-1'));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      jobId: 'tw-1-rollback',
      type: 'scheduleUpdateTwin',
      parentJobId: 'tw-1',
      rollbackOf: 'tw-1',
    });
    expect(ports.jobs.rows.get('tw-1')?.job).toMatchObject({
      status: 'completed',
      rollbackJobId: 'tw-1-rollback',
    });
    expect(ports.durable.started.map((input) => input.jobId)).toEqual(['tw-1', 'tw-1-rollback']);
    expect(ports.durable.cancelled).toEqual([]);
  });

  it('cancels a job that has not ended first, under the id the body names', async () => {
    const { handler, ports } = await appWithJob('tw-2', twinJobBody);
    setJobStatus(ports, 'tw-2', 'running');
    const answer = await answerOf(handler, rollback('tw-2', { jobId: 'undo-2' }));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ jobId: 'undo-2', rollbackOf: 'tw-2' });
    expect(ports.jobs.rows.get('tw-2')?.job).toMatchObject({ status: 'cancelled', rollbackJobId: 'undo-2' });
    expect(ports.durable.cancelled).toEqual(['tw-2']);
  });

  it('refuses a direct method job with 409 JobNotRollbackable and starts nothing', async () => {
    const { handler, ports } = await appWithJob('m-1', methodJobBody());
    setJobStatus(ports, 'm-1', 'completed');
    const answer = await answerOf(handler, rollback('m-1'));
    expect(answer.status).toBe(409);
    expect(answer.errorCode).toBe('JobNotRollbackable');
    expect(ports.jobs.rows.has('m-1-rollback')).toBe(false);
  });

  it('answers an unknown job with 404 JobNotFound', async () => {
    const { handler, ports } = await appWithJob('tw-3', twinJobBody);
    const answer = await answerOf(handler, rollback('nope'));
    expect(answer.status).toBe(404);
    expect(answer.errorCode).toBe('JobNotFound');
    expect(ports.jobs.rows.has('nope-rollback')).toBe(false);
  });

  it('refuses a body with an unknown field with 400 ArgumentInvalid, leaving the job as it was', async () => {
    const { handler, ports } = await appWithJob('tw-4', twinJobBody);
    setJobStatus(ports, 'tw-4', 'completed');
    const answer = await answerOf(handler, rollback('tw-4', { jobId: 'x', force: true }));
    expect(answer.status).toBe(400);
    expect(answer.errorCode).toBe('ArgumentInvalid');
    expect(ports.jobs.rows.get('tw-4')?.job.rollbackJobId).toBeUndefined();
  });

  it('refuses a registry reader with 401', async () => {
    const { handler, ports } = await appWithJob('tw-5', twinJobBody);
    setJobStatus(ports, 'tw-5', 'completed');
    const answer = await answerOf(handler, { ...rollback('tw-5'), policy: 'registryRead' });
    expect(answer.status).toBe(401);
    expect(ports.jobs.rows.has('tw-5-rollback')).toBe(false);
  });
});
