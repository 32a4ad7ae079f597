import { parseNcrontab } from '../../../../shared/cron/ncrontab';
import { JobValidationError } from '../../../../shared/jobs/core/job-errors';
import { dueOccurrence, scheduledJobId } from '../../../../shared/jobs/core/job-schedule-model';
import {
  createJobSchedulesService,
  type JobSchedulesDependencies,
  parseScheduleRequest,
} from '../../../../shared/jobs/service/job-schedules';
import { DEFAULT_JOB_SETTINGS } from '../../../../shared/jobs/core/job-settings';

const at = (iso: string) => new Date(iso);
const everyTenMinutes = parseNcrontab('0 */10 * * * *', 'UTC');

describe('schedule occurrences', () => {
  it('names jobs {scheduleId}-{yyyyMMddTHHmmssZ} in UTC', () => {
    expect(scheduledJobId('nightly', at('2026-11-30T02:30:00.000Z'))).toBe('nightly-20261130T023000Z');
  });

  it('reads the expression in its time zone (NCRONTAB seconds first)', () => {
    const berlin = parseNcrontab('0 30 2 * * *', 'Europe/Berlin');
    expect(berlin.next(at('2026-11-29T12:00:00Z'))?.toISOString()).toBe('2026-11-30T01:30:00.000Z');
    expect(() => parseNcrontab('0 30 2 * *', 'UTC')).toThrow(/six fields/);
    expect(() => parseNcrontab('0 30 2 * * *', 'Mars/Olympus')).toThrow();
  });

  it('runs a due occurrence on time and waits for the next', () => {
    expect(dueOccurrence(everyTenMinutes, at('2026-11-30T10:00:00Z'), at('2026-11-30T10:00:01Z'))).toEqual({
      run: at('2026-11-30T10:00:00Z'),
      next: at('2026-11-30T10:10:00Z'),
    });
  });

  it('after an outage runs only the latest missed occurrence, once', () => {
    // Missed 10:00, 10:10, 10:20; back at 10:25: 10:20 is 5 min late (< one period), the older ones are skipped.
    expect(dueOccurrence(everyTenMinutes, at('2026-11-30T10:00:00Z'), at('2026-11-30T10:25:00Z'))).toEqual({
      run: at('2026-11-30T10:20:00Z'),
      next: at('2026-11-30T10:30:00Z'),
    });
  });

  it('runs a missed occurrence that is less than one period late, even on irregular schedules', () => {
    // Weekdays at 09:00: Friday's occurrence seen on Sunday is still before the following one (Monday).
    const weekdays = parseNcrontab('0 0 9 * * MON-FRI', 'UTC');
    const friday = at('2026-11-27T09:00:00Z');
    expect(dueOccurrence(weekdays, friday, at('2026-11-29T09:00:00Z'))).toEqual({
      run: friday,
      next: at('2026-11-30T09:00:00Z'),
    });
  });

  it('walks a very long outage of a per-second schedule in bounded steps', () => {
    const everySecond = parseNcrontab('* * * * * *', 'UTC');
    const due = dueOccurrence(everySecond, at('2026-11-01T00:00:00Z'), at('2026-11-30T00:00:00.500Z'));
    expect(due).toEqual({ run: at('2026-11-30T00:00:00Z'), next: at('2026-11-30T00:00:01Z') });
  });
});

describe('schedule validation', () => {
  const deps = {
    parseCron: parseNcrontab,
    parseCondition: (condition: string) => condition,
    settings: DEFAULT_JOB_SETTINGS,
  } as unknown as JobSchedulesDependencies;
  const template = {
    type: 'scheduleUpdateTwin',
    updateTwin: { tags: { checked: true } },
    queryCondition: '*',
  };
  const fieldOf = (scheduleId: string, body: unknown): string => {
    try {
      parseScheduleRequest(deps, scheduleId, body, at('2026-11-30T00:00:00Z'));
    } catch (error: unknown) {
      if (error instanceof JobValidationError) return error.field;
      throw error;
    }
    throw new Error('expected a JobValidationError');
  };

  it('accepts a schedule with defaults', () => {
    const valid = parseScheduleRequest(
      deps,
      'nightly',
      { schedule: '0 0 2 * * *', jobTemplate: template },
      new Date(),
    );
    expect(valid).toMatchObject({ timeZone: 'UTC', enabled: true, jobTemplate: template });
  });

  it.each([
    ['bad id!', { schedule: '0 0 2 * * *', jobTemplate: template }, 'scheduleId'],
    ['x'.repeat(112), { schedule: '0 0 2 * * *', jobTemplate: template }, 'scheduleId'],
    ['s', { schedule: '0 2 * * *', jobTemplate: template }, 'schedule'],
    ['s', { schedule: '0 0 25 * * *', jobTemplate: template }, 'schedule'],
    ['s', { schedule: '0 0 2 * * *', timeZone: 'Europe/Nowhere', jobTemplate: template }, 'timeZone'],
    ['s', { schedule: '0 0 2 * * *', enabled: 'yes', jobTemplate: template }, 'enabled'],
    ['s', { schedule: '0 0 2 * * *' }, 'jobTemplate'],
    ['s', { schedule: '0 0 2 * * *', jobTemplate: { ...template, type: 'reboot' } }, 'jobTemplate.type'],
    [
      's',
      { schedule: '0 0 2 * * *', jobTemplate: { ...template, startTime: '2026-12-01T00:00:00Z' } },
      'jobTemplate.startTime',
    ],
    [
      's',
      { schedule: '0 0 2 * * *', jobTemplate: { ...template, rolloutConfig: { maxConcurrency: 0 } } },
      'jobTemplate.rolloutConfig.maxConcurrency',
    ],
    ['s', { schedule: '0 0 2 * * *', jobTemplate: template, cron: 'x' }, 'cron'],
  ])('refuses %s %j naming %s', (scheduleId, body, field) => {
    expect(fieldOf(scheduleId, body)).toBe(field);
  });
});

describe('schedule ids on every entry point', () => {
  const untouchable = new Proxy(
    {},
    {
      get: (_, name) => () => Promise.reject(new Error(`storage reached with ${String(name)}`)),
    },
  );
  const service = createJobSchedulesService({
    schedules: untouchable,
    jobs: untouchable,
    deviceIdLists: untouchable,
    parseCron: parseNcrontab,
    settings: DEFAULT_JOB_SETTINGS,
    clock: { now: () => at('2026-11-30T10:00:00Z') },
  } as unknown as JobSchedulesDependencies);

  it.each(['a#b', 'a/b', 'a?b', '', 'x'.repeat(112)])(
    'refuses %j on read and delete before storage sees it',
    async (badId) => {
      for (const attempt of [() => service.getSchedule(badId), () => service.deleteSchedule(badId)]) {
        await expect(attempt()).rejects.toBeInstanceOf(JobValidationError);
      }
    },
  );
});
