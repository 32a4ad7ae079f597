import {
  createJobsPauseHandler,
  createJobsResumeHandler,
} from '../../../../functions/http/jobs-pause.handler';
import {
  createJob,
  INSTANT_DEVICES,
  seedDevices,
  setJobStatus,
} from '../../../support/http-handler-fixtures';
import { answerOf, inMemoryApp } from '../../../support/in-memory-app';

const control = (jobId: string, action: 'pause' | 'resume', body?: unknown) => ({
  method: 'POST',
  path: `/jobs/v2/${jobId}/${action}`,
  params: { jobId },
  ...(body === undefined ? {} : { body }),
  policy: 'service' as const,
});

async function runningJob() {
  const app = inMemoryApp(INSTANT_DEVICES);
  await seedDevices(app.composition, ['unit-1']);
  await createJob(app.composition, 'p-1');
  setJobStatus(app.ports, 'p-1', 'running');
  return {
    ...app,
    pause: createJobsPauseHandler(() => app.composition),
    resume: createJobsResumeHandler(() => app.composition),
  };
}

describe('jobsPause (POST /jobs/v2/{jobId}/pause)', () => {
  it('pauses a running job, recording the caller’s policy and reason', async () => {
    const { pause, ports } = await runningJob();
    const answer = await answerOf(pause, control('p-1', 'pause', { reason: 'night' }));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ jobId: 'p-1', status: 'paused' });
    expect(JSON.stringify(ports.jobs.rows.get('p-1')?.job)).toContain('service');
  });

  it('refuses to pause a job that is not running with 409 JobNotRunning', async () => {
    const { pause, ports } = await runningJob();
    setJobStatus(ports, 'p-1', 'completed');
    const answer = await answerOf(pause, control('p-1', 'pause'));
    expect(answer.status).toBe(409);
    expect(answer.errorCode).toBe('JobNotRunning');
  });

  it('refuses a body that is not a JSON object with 400 ArgumentInvalid', async () => {
    const { pause } = await runningJob();
    const answer = await answerOf(pause, control('p-1', 'pause', '[1]'));
    expect(answer.status).toBe(400);
    expect(answer.errorCode).toBe('ArgumentInvalid');
  });
});

describe('jobsResume (POST /jobs/v2/{jobId}/resume)', () => {
  it('resumes a paused job and wakes its orchestration', async () => {
    const { pause, resume, ports } = await runningJob();
    await answerOf(pause, control('p-1', 'pause'));
    const answer = await answerOf(resume, control('p-1', 'resume'));
    expect(answer.status).toBe(200);
    expect(ports.durable.resumed).toEqual(['p-1']);
  });

  it('refuses to resume a job that is not paused with 409 JobNotPaused', async () => {
    const { resume, ports } = await runningJob();
    const answer = await answerOf(resume, control('p-1', 'resume'));
    expect(answer.status).toBe(409);
    expect(answer.errorCode).toBe('JobNotPaused');
    expect(ports.durable.resumed).toEqual([]);
  });

  it('answers an unknown job with 404 JobNotFound', async () => {
    const { resume } = await runningJob();
    expect((await answerOf(resume, control('nope', 'resume'))).status).toBe(404);
  });
});
