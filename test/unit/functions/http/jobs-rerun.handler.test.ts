import { createJobsRerunHandler } from '../../../../functions/http/jobs-rerun.handler';
import {
  createJob,
  INSTANT_DEVICES,
  seedDevices,
  setJobStatus,
} from '../../../support/http-handler-fixtures';
import { answerOf, inMemoryApp } from '../../../support/in-memory-app';

const rerun = (jobId: string, body: unknown) => ({
  method: 'POST',
  path: `/jobs/v2/${jobId}/rerun`,
  params: { jobId },
  body,
});

async function endedJob(status: 'completed' | 'running' = 'completed') {
  const app = inMemoryApp(INSTANT_DEVICES);
  await seedDevices(app.composition, ['unit-1']);
  await createJob(app.composition, 'r-1');
  setJobStatus(app.ports, 'r-1', status);
  const at = app.ports.clock.now().toISOString();
  await app.ports.deviceJobs.upsertMany([
    {
      jobId: 'r-1',
      deviceId: 'unit-1',
      jobType: 'scheduleDeviceMethod',
      shard: 0,
      status: 'failed',
      createdDateTimeUtc: at,
      lastUpdatedDateTimeUtc: at,
    },
  ]);
  return { ...app, handler: createJobsRerunHandler(() => app.composition) };
}

describe('jobsRerun (POST /jobs/v2/{jobId}/rerun)', () => {
  it('creates and starts a new job from an ended one', async () => {
    const { handler, ports } = await endedJob();
    const answer = await answerOf(handler, rerun('r-1', { jobId: 'r-2', deviceStatuses: ['failed'] }));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ jobId: 'r-2', status: 'queued' });
    expect(ports.durable.started.map((input) => input.jobId)).toEqual(['r-1', 'r-2']);
  });

  it('refuses a rerun with no device in the statuses asked for with 400 ArgumentInvalid naming deviceStatuses', async () => {
    const { handler, ports } = await endedJob();
    const answer = await answerOf(handler, rerun('r-1', { jobId: 'r-2', deviceStatuses: ['completed'] }));
    expect(answer.status).toBe(400);
    expect((answer.body as { Message: string }).Message).toMatch(/^ErrorCode:ArgumentInvalid;deviceStatuses/);
    expect(ports.jobs.rows.has('r-2')).toBe(false);
  });

  it('refuses to rerun a job that has not ended with 409 JobNotFinished', async () => {
    const { handler, ports } = await endedJob('running');
    const answer = await answerOf(handler, rerun('r-1', { jobId: 'r-2', deviceStatuses: ['failed'] }));
    expect(answer.status).toBe(409);
    expect(answer.errorCode).toBe('JobNotFinished');
    expect(ports.jobs.rows.has('r-2')).toBe(false);
  });

  it('refuses a rerun request without a body with 400 ArgumentInvalid', async () => {
    const { handler } = await endedJob();
    const answer = await answerOf(handler, { ...rerun('r-1', undefined) });
    expect(answer.status).toBe(400);
    expect(answer.errorCode).toBe('ArgumentInvalid');
  });
});
