import { JOB_EVENT_TYPES, lifecycleEvents, progressEvent } from '../../../../shared/jobs/core/job-events';
import type { JobRecord } from '../../../../shared/jobs/core/job-model';

const stats = { deviceCount: 2, failedCount: 0, succeededCount: 1, runningCount: 1, pendingCount: 0 };
const queued: JobRecord = {
  jobId: 'j1',
  type: 'scheduleUpdateTwin',
  status: 'queued',
  createdTime: '2026-11-30T10:00:00.000Z',
  startTime: '2026-11-30T10:00:00.000Z',
  maxExecutionTimeInSeconds: 60,
  updateTwin: { tags: { a: 1 } },
};

describe('job lifecycle events', () => {
  it('numbers the events of a job life in order, with stable ids and the job response as data', () => {
    const created = lifecycleEvents(undefined, queued, stats, '2026-11-30T10:00:00.000Z');
    expect(created.events.map((e) => [e.type, e.sequence, e.id])).toEqual([
      [JOB_EVENT_TYPES.created, '1', `j1:${Date.parse(queued.createdTime)}:1`],
    ]);
    expect(created.events[0]).toMatchObject({
      specversion: '1.0',
      source: '/jobs/v2',
      subject: 'j1',
      datacontenttype: 'application/json',
      data: { jobId: 'j1', status: 'queued', deviceJobStatistics: stats },
    });
    const running = {
      ...created.job,
      status: 'running' as const,
      runStartedTime: '2026-11-30T10:00:01.000Z',
    };
    const started = lifecycleEvents(created.job, running, stats, running.runStartedTime);
    expect(started.events.map((e) => [e.type, e.sequence])).toEqual([[JOB_EVENT_TYPES.started, '2']]);

    expect(progressEvent(started.job, stats, new Date('2026-11-30T10:00:05.000Z'), 10)).toBeUndefined();
    const progress = progressEvent(started.job, stats, new Date('2026-11-30T10:00:11.000Z'), 10);
    expect(progress?.events.map((e) => [e.type, e.sequence])).toEqual([[JOB_EVENT_TYPES.progress, '3']]);
    const tooSoon = progressEvent(progress?.job ?? queued, stats, new Date('2026-11-30T10:00:20.000Z'), 10);
    expect(tooSoon).toBeUndefined();

    const failed = {
      ...(progress?.job ?? queued),
      status: 'failed' as const,
      endTime: 'x',
      failureReason: 'Aborted',
    };
    const ended = lifecycleEvents(progress?.job, failed, stats, 'x');
    expect(ended.events.map((e) => [e.type, e.sequence, e.data.failureReason])).toEqual([
      [JOB_EVENT_TYPES.failed, '4', 'Aborted'],
    ]);
    expect(ended.job.eventSequence).toBe(4);
  });

  it('publishes a cancel when the job ends (endTime set), not when it is requested', () => {
    const running = { ...queued, status: 'running' as const, eventSequence: 2 };
    const requested = { ...running, status: 'cancelled' as const, statusMessage: 'Cancelled on request.' };
    expect(lifecycleEvents(running, requested, stats, 'now').events).toEqual([]);
    const ended = lifecycleEvents(requested, { ...requested, endTime: 'later' }, stats, 'later');
    expect(ended.events.map((e) => e.type)).toEqual([JOB_EVENT_TYPES.cancelled]);
  });

  it('publishes the end of a job cancelled while scheduled once', () => {
    const scheduled = { ...queued, status: 'scheduled' as const, eventSequence: 1 };
    const cancelled = { ...scheduled, status: 'cancelled' as const, endTime: 'x' };
    expect(lifecycleEvents(scheduled, cancelled, stats, 'x').events.map((e) => e.type)).toEqual([
      JOB_EVENT_TYPES.cancelled,
    ]);
    expect(lifecycleEvents(cancelled, { ...cancelled }, stats, 'y').events).toEqual([]);
  });

  it('publishes a pause and a resume (with who and why), and no second start', () => {
    const running = { ...queued, status: 'running' as const, eventSequence: 2 };
    const pause = { action: 'pause' as const, by: 'service', reason: 'canary', time: 't1' };
    const paused = { ...running, status: 'paused' as const, lastControlAction: pause };
    const pausedEvents = lifecycleEvents(running, paused, stats, 't1');
    expect(pausedEvents.events.map((e) => [e.type, e.sequence, e.data.lastControlAction])).toEqual([
      [JOB_EVENT_TYPES.paused, '3', pause],
    ]);
    const resume = { action: 'resume' as const, by: 'wave:canary', time: 't2' };
    const resumed = { ...pausedEvents.job, status: 'running' as const, lastControlAction: resume };
    expect(lifecycleEvents(pausedEvents.job, resumed, stats, 't2').events.map((e) => e.type)).toEqual([
      JOB_EVENT_TYPES.resumed,
    ]);
    expect(progressEvent(paused, stats, new Date('2026-12-01T00:00:00.000Z'), 1)).toBeUndefined();
  });
});
