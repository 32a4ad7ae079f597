import { ConfigError, loadConfig } from '../../../../shared/config';
import { DEFAULT_ACTIVITY_LIMITS, DEFAULT_JOB_SETTINGS } from '../../../../shared/jobs/core/job-settings';

const base = {
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
  JOBS_ACCESS_POLICIES: JSON.stringify([
    { name: 'iothubowner', key: Buffer.alloc(32, 7).toString('base64'), rights: ['ServiceConnect'] },
  ]),
};

function settingRefused(env: Record<string, string>): string {
  try {
    loadConfig({ ...base, ...env });
  } catch (error: unknown) {
    if (error instanceof ConfigError) return error.setting;
    throw error;
  }
  throw new Error('loadConfig accepted the settings');
}

describe('jobs settings', () => {
  it('defaults to the engine defaults, 30 days of retention and hourly / five-minute timers', () => {
    const { jobs } = loadConfig(base);
    expect(jobs).toEqual({
      settings: DEFAULT_JOB_SETTINGS,
      limits: DEFAULT_ACTIVITY_LIMITS,
      maxActiveJobs: 100,
      tablePrefix: '',
      retentionDays: 30,
      retentionSchedule: '0 0 * * * *',
      reconciliationSchedule: '0 */5 * * * *',
      reconciliationGraceSeconds: 300,
      schedulesTickSchedule: '0 * * * * *',
      events: { queueName: 'job-events', progressIntervalSeconds: 10, sweepSchedule: '30 * * * * *' },
    });
  });

  it('reads the job events settings; an empty queue name publishes no events', () => {
    expect(
      loadConfig({ ...base, JOB_EVENTS_QUEUE: 'fleet-events', JOB_PROGRESS_EVENT_SECONDS: '2' }).jobs.events,
    ).toMatchObject({ queueName: 'fleet-events', progressIntervalSeconds: 2 });
    expect(loadConfig({ ...base, JOB_EVENTS_QUEUE: ' ' }).jobs.events.queueName).toBeUndefined();
  });

  it('reads every setting', () => {
    const { jobs } = loadConfig({
      ...base,
      JOB_SHARD_SIZE: '250',
      JOB_MAX_DEVICES_IN_FLIGHT: '400',
      JOB_ACTIVITY_TIME_BUDGET_SECONDS: '60',
      AzureFunctionsJobHost__functionTimeout: '00:10:00',
      JOB_ACTIVITY_MAX_ATTEMPTS: '3',
      JOBS_TABLE_PREFIX: 'tenant1',
      JOB_RETENTION_DAYS: '7',
      JOB_RETENTION_SCHEDULE: '0 30 2 * * *',
      JOB_RECONCILIATION_SCHEDULE: '*/10 * * * * *',
      JOB_RECONCILIATION_GRACE_SECONDS: '60',
      JOB_SCHEDULES_TICK_SCHEDULE: '*/5 * * * * *',
      JOBS_MAX_ACTIVE_JOBS: '250',
    });
    expect(jobs.maxActiveJobs).toBe(250);
    expect(jobs.settings).toEqual({
      shardSize: 250,
      maxDevicesInFlight: 400,
      activityRetry: { ...DEFAULT_JOB_SETTINGS.activityRetry, maxNumberOfAttempts: 3 },
    });
    expect(jobs.limits).toEqual({ budgetMs: 60_000, functionTimeoutMs: 600_000 });
    expect(jobs).toMatchObject({
      tablePrefix: 'tenant1',
      retentionDays: 7,
      retentionSchedule: '0 30 2 * * *',
      reconciliationSchedule: '*/10 * * * * *',
      reconciliationGraceSeconds: 60,
      schedulesTickSchedule: '*/5 * * * * *',
    });
  });

  it.each([
    ['JOB_SHARD_SIZE', '0'],
    ['JOBS_MAX_ACTIVE_JOBS', '0'],
    ['JOB_SHARD_SIZE', '1001'],
    ['JOB_MAX_DEVICES_IN_FLIGHT', 'many'],
    ['JOB_MAX_DEVICES_IN_FLIGHT', '0'],
    ['JOB_ACTIVITY_TIME_BUDGET_SECONDS', '2.5'],
    ['AzureFunctionsJobHost__functionTimeout', 'five minutes'],
    ['JOB_ACTIVITY_MAX_ATTEMPTS', '0'],
    ['JOBS_TABLE_PREFIX', 'jobs-'],
    ['JOBS_TABLE_PREFIX', '1jobs'],
    ['JOB_RETENTION_DAYS', '0'],
    ['JOB_RETENTION_SCHEDULE', '0 * * * *'],
    ['JOB_RECONCILIATION_SCHEDULE', 'every minute'],
    ['JOB_RECONCILIATION_GRACE_SECONDS', '-1'],
    ['JOB_SCHEDULES_TICK_SCHEDULE', '* * * * *'],
    ['JOB_EVENTS_QUEUE', 'Job_Events'],
    ['JOB_EVENTS_QUEUE', 'ab'],
    ['JOB_PROGRESS_EVENT_SECONDS', '0'],
  ])('refuses %s=%s, naming it', (setting, value) => {
    expect(settingRefused({ [setting]: value })).toBe(setting);
  });
});

describe('the host functionTimeout the engine plans activities for', () => {
  it.each<[string, Record<string, string>, { functionTimeout?: unknown } | undefined, number | undefined]>([
    ['5 minutes (Consumption) when nothing says otherwise', {}, undefined, 300_000],
    ["host.json's value", {}, { functionTimeout: '00:00:20' }, 20_000],
    [
      'the app setting over host.json',
      { AzureFunctionsJobHost__functionTimeout: '1.00:00:00' },
      { functionTimeout: '00:00:20' },
      86_400_000,
    ],
    ['no limit for -1', {}, { functionTimeout: '-1' }, undefined],
  ])('is %s', (_name, env, hostJson, expected) => {
    expect(loadConfig({ ...base, ...env }, () => hostJson).jobs.limits.functionTimeoutMs).toBe(expected);
  });

  it('refuses a host.json value that is not a TimeSpan, naming host.json', () => {
    expect(() => loadConfig(base, () => ({ functionTimeout: '5m' }))).toThrow(/host.json functionTimeout/);
  });
});
