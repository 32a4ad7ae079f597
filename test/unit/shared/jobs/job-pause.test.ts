import {
  JobNotFoundError,
  JobNotPausedError,
  JobNotRunningError,
} from '../../../../shared/jobs/core/job-errors';
import { markJobRunning } from '../../../../shared/jobs/engine/job-execution';
import type { JobRecord } from '../../../../shared/jobs/core/job-model';
import {
  parseControlBody,
  pauseJob,
  pausedMsAfterResume,
  resumeJob,
} from '../../../../shared/jobs/service/job-pause';
import { waitDeadline } from '../../../../shared/jobs/engine/completion-waits';
import { InMemoryJobRepository, RecordingOrchestrations } from '../../../support/in-memory-ports';

const T = new Date('2026-12-06T10:00:00.000Z');
const job = (status: JobRecord['status']): JobRecord => ({
  jobId: 'j1',
  type: 'scheduleDeviceMethod',
  status,
  createdTime: T.toISOString(),
  startTime: T.toISOString(),
  maxExecutionTimeInSeconds: 60,
  cloudToDeviceMethod: {
    methodName: 'm',
    payload: null,
    responseTimeoutInSeconds: 30,
    connectTimeoutInSeconds: 0,
  },
});

async function setup(status: JobRecord['status']) {
  const jobs = new InMemoryJobRepository();
  await jobs.create(job(status));
  const orchestrations = new RecordingOrchestrations();
  return { jobs, orchestrations };
}

describe('pause and resume request bodies', () => {
  it('accepts no body, null, an empty object and a reason', () => {
    expect(parseControlBody(undefined)).toEqual({});
    expect(parseControlBody(null)).toEqual({});
    expect(parseControlBody({})).toEqual({});
    expect(parseControlBody({ reason: null })).toEqual({});
    expect(parseControlBody({ reason: 'canary looks bad' })).toEqual({ reason: 'canary looks bad' });
  });

  it.each([
    [[], 'body'],
    ['pause', 'body'],
    [{ reason: 1 }, 'reason'],
    [{ reason: ' ' }, 'reason'],
    [{ reason: 'x'.repeat(513) }, 'reason'],
    [{ reason: 'ok', by: 'me' }, 'by'],
  ])('refuses %j naming %s', (body, field) => {
    let thrown: unknown;
    try {
      parseControlBody(body);
    } catch (error: unknown) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: 'ArgumentInvalid', field });
  });
});

describe('pause and resume use cases', () => {
  it('pauses a running job with who and why, and resumes it waking the orchestration', async () => {
    const deps = await setup('running');
    const paused = await pauseJob(deps, { jobId: 'j1', by: 'service', reason: 'canary' }, T);
    expect(paused).toMatchObject({
      status: 'paused',
      statusMessage: 'Paused: canary',
      lastControlAction: { action: 'pause', by: 'service', reason: 'canary', time: T.toISOString() },
    });
    expect(deps.orchestrations.resumed).toEqual([]);
    const resumed = await resumeJob(deps, { jobId: 'j1', by: 'operator' }, T);
    expect(resumed).toMatchObject({ status: 'running', statusMessage: 'Running.' });
    expect(resumed.lastControlAction).toEqual({ action: 'resume', by: 'operator', time: T.toISOString() });
    expect(deps.orchestrations.resumed).toEqual(['j1']);
  });

  it.each(['queued', 'scheduled', 'paused', 'completed', 'cancelled'] as const)(
    'refuses to pause a %s job and leaves it alone',
    async (status) => {
      const deps = await setup(status);
      await expect(pauseJob(deps, { jobId: 'j1', by: 's' }, T)).rejects.toThrow(JobNotRunningError);
      expect((await deps.jobs.get('j1'))?.job.status).toBe(status);
    },
  );

  it.each(['queued', 'running', 'failed'] as const)('refuses to resume a %s job', async (status) => {
    const deps = await setup(status);
    await expect(resumeJob(deps, { jobId: 'j1', by: 's' }, T)).rejects.toThrow(JobNotPausedError);
    expect(deps.orchestrations.resumed).toEqual([]);
  });

  it('answers 404 for an unknown job', async () => {
    const deps = await setup('running');
    await expect(pauseJob(deps, { jobId: 'nope', by: 's' }, T)).rejects.toThrow(JobNotFoundError);
  });

  it('a repeated jobMarkRunning never resumes a paused job', async () => {
    const deps = await setup('paused');
    const result = await markJobRunning(deps, { jobId: 'j1', runStartedTime: T.toISOString() });
    expect(result).toEqual({ proceed: true, status: 'paused' });
    expect((await deps.jobs.get('j1'))?.job.status).toBe('paused');
  });
});

describe('paused time (a completion wait times out later by the pauses since it began)', () => {
  it('adds each pause to the job at its resume, and moves only the deadlines of waits begun before it', async () => {
    const deps = await setup('running');
    await pauseJob(deps, { jobId: 'j1', by: 'operator' }, T);
    const resumed = await resumeJob(deps, { jobId: 'j1', by: 'operator' }, new Date(T.getTime() + 4_000));
    expect(resumed.pausedMs).toBe(4_000);
    await pauseJob(deps, { jobId: 'j1', by: 'operator' }, new Date(T.getTime() + 10_000));
    const again = await resumeJob(deps, { jobId: 'j1', by: 'operator' }, new Date(T.getTime() + 11_500));
    expect(again.pausedMs).toBe(5_500);

    const wait = {
      jobId: 'j1',
      deviceId: 'd1',
      shard: 0,
      condition: "properties.reported.v = '2'",
      deadline: '2026-12-06T10:00:03.000Z',
      dueAt: '2026-12-06T10:00:03.000Z',
      attempts: 1,
    };
    expect(waitDeadline(again, wait)).toBe('2026-12-06T10:00:08.500Z');
    expect(waitDeadline(again, { ...wait, pausedMsAtStart: 4_000 })).toBe('2026-12-06T10:00:04.500Z');
    expect(waitDeadline(again, { ...wait, pausedMsAtStart: 5_500 })).toBe(wait.deadline);
    expect(waitDeadline({}, wait)).toBe(wait.deadline);
  });

  it('counts nothing for a resume without a recorded pause', () => {
    expect(pausedMsAfterResume({ ...job('paused'), pausedMs: 7 }, T)).toBe(7);
  });
});
