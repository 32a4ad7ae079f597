import { JobStateTransitionError } from '../../../../shared/jobs/core/job-errors';
import {
  assertTransition,
  canTransition,
  initialJobStatus,
  isTerminalJobStatus,
} from '../../../../shared/jobs/core/job-lifecycle';
import { JOB_STATUSES, type JobStatus } from '../../../../shared/jobs/core/job-model';

const allowed: [JobStatus, JobStatus][] = [
  ['queued', 'scheduled'],
  ['queued', 'running'],
  ['queued', 'failed'],
  ['queued', 'cancelled'],
  ['scheduled', 'running'],
  ['scheduled', 'failed'],
  ['scheduled', 'cancelled'],
  ['running', 'completed'],
  ['running', 'failed'],
  ['running', 'cancelled'],
  ['running', 'paused'],
  ['paused', 'running'],
  ['paused', 'completed'],
  ['paused', 'failed'],
  ['paused', 'cancelled'],
];

describe('job lifecycle', () => {
  it('allows exactly the documented transitions', () => {
    for (const from of JOB_STATUSES) {
      for (const to of JOB_STATUSES) {
        const expected = allowed.some(([a, b]) => a === from && b === to);
        expect([from, to, canTransition(from, to)]).toEqual([from, to, expected]);
      }
    }
  });

  it('names both ends of a refused transition', () => {
    expect(() => assertTransition('completed', 'running')).toThrow(JobStateTransitionError);
    expect(() => assertTransition('scheduled', 'completed')).toThrow(
      "A job cannot go from 'scheduled' to 'completed'.",
    );
    expect(() => assertTransition('running', 'completed')).not.toThrow();
  });

  it('knows the terminal states', () => {
    expect(JOB_STATUSES.filter(isTerminalJobStatus)).toEqual(['completed', 'failed', 'cancelled']);
  });

  it('starts a job scheduled only when its start time is in the future', () => {
    const now = new Date('2026-11-26T06:00:00Z');
    expect(initialJobStatus('2026-11-26T06:00:05.000Z', now)).toBe('scheduled');
    expect(initialJobStatus('2026-11-26T06:00:00.000Z', now)).toBe('queued');
    expect(initialJobStatus('2026-11-26T05:00:00.000Z', now)).toBe('queued');
  });
});
