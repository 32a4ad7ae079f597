import { parseNcrontab } from '../../../../shared/cron/ncrontab';
import type { JobDefinition } from '../../../../shared/jobs/core/job-model';
import { withWindowWaits } from '../../../../shared/jobs/core/job-estimate-windows';
import { parseSchedulingConfig } from '../../../../shared/jobs/core/maintenance-window-validation';
import { maintenanceWindowAt, windowWaitSeconds } from '../../../../shared/jobs/core/maintenance-windows';

const nightly = parseSchedulingConfig(
  { timeZone: 'Europe/Berlin', maintenanceWindows: [{ schedule: '0 0 2 * * *', durationInMinutes: 60 }] },
  parseNcrontab,
);

describe('schedulingConfig validation', () => {
  it('normalizes defaults: UTC, stopRollout', () => {
    expect(
      parseSchedulingConfig(
        { maintenanceWindows: [{ schedule: '0 */5 * * * *', durationInMinutes: 1 }] },
        parseNcrontab,
      ),
    ).toEqual({
      timeZone: 'UTC',
      maintenanceWindows: [{ schedule: '0 */5 * * * *', durationInMinutes: 1 }],
      endBehavior: 'stopRollout',
    });
    expect(nightly.endBehavior).toBe('stopRollout');
  });

  it.each([
    [{}, 'schedulingConfig.maintenanceWindows'],
    [{ maintenanceWindows: [] }, 'schedulingConfig.maintenanceWindows'],
    [
      { maintenanceWindows: Array(11).fill({ schedule: '0 0 2 * * *', durationInMinutes: 1 }) },
      'schedulingConfig.maintenanceWindows',
    ],
    [
      { maintenanceWindows: [{ schedule: '0 2 * * *', durationInMinutes: 1 }] },
      'schedulingConfig.maintenanceWindows[0].schedule',
    ],
    [
      { maintenanceWindows: [{ schedule: '0 0 2 * * *', durationInMinutes: 0 }] },
      'schedulingConfig.maintenanceWindows[0].durationInMinutes',
    ],
    [
      { maintenanceWindows: [{ schedule: '0 0 2 * * *', durationInMinutes: 1441 }] },
      'schedulingConfig.maintenanceWindows[0].durationInMinutes',
    ],
    [
      { maintenanceWindows: [{ schedule: '0 0 2 * * *', durationInMinutes: 5, days: 1 }] },
      'schedulingConfig.maintenanceWindows[0].days',
    ],
    [
      { timeZone: 'Mars/Olympus', maintenanceWindows: [{ schedule: '0 0 2 * * *', durationInMinutes: 5 }] },
      'schedulingConfig.timeZone',
    ],
    [
      { endBehavior: 'stop', maintenanceWindows: [{ schedule: '0 0 2 * * *', durationInMinutes: 5 }] },
      'schedulingConfig.endBehavior',
    ],
    [
      { window: 1, maintenanceWindows: [{ schedule: '0 0 2 * * *', durationInMinutes: 5 }] },
      'schedulingConfig.window',
    ],
  ])('refuses %j naming %s', (value, field) => {
    expect(() => parseSchedulingConfig(value, parseNcrontab)).toThrow(
      expect.objectContaining({ field }) as Error,
    );
  });
});

describe('maintenance window arithmetic', () => {
  it('is open inside a window until its end, in the window time zone', () => {
    // 02:00 Berlin in winter is 01:00 UTC.
    expect(maintenanceWindowAt(nightly, parseNcrontab, new Date('2026-12-06T01:30:00Z'))).toEqual({
      open: true,
      end: new Date('2026-12-06T02:00:00Z'),
    });
  });

  it('is closed outside, naming the next start', () => {
    expect(maintenanceWindowAt(nightly, parseNcrontab, new Date('2026-12-06T02:00:00Z'))).toEqual({
      open: false,
      nextStart: new Date('2026-12-07T01:00:00Z'),
    });
  });

  it('joins back-to-back and overlapping windows into one', () => {
    const everyMinute = parseSchedulingConfig(
      { maintenanceWindows: [{ schedule: '0 * 10 * * *', durationInMinutes: 2 }] },
      parseNcrontab,
    );
    expect(maintenanceWindowAt(everyMinute, parseNcrontab, new Date('2026-12-06T10:00:30Z'))).toEqual({
      open: true,
      end: new Date('2026-12-06T11:01:00Z'),
    });
  });

  it('counts the waits between windows into a run of device work', () => {
    const start = new Date('2026-12-06T01:30:00Z');
    // 30 minutes of this window, then the rest in the next night's window.
    expect(windowWaitSeconds(nightly, parseNcrontab, start, 3600)).toBe(23 * 3600);
    expect(windowWaitSeconds(nightly, parseNcrontab, start, 600)).toBe(0);
  });

  it('adds the window term to an estimate, capped at the maximum execution time', () => {
    const definition: JobDefinition = {
      jobId: 'j',
      type: 'scheduleDeviceMethod',
      targets: { kind: 'query', queryCondition: '*' },
      startTime: '2026-12-06T00:30:00.000Z',
      maxExecutionTimeInSeconds: 7200,
      schedulingConfig: nightly,
    };
    expect(withWindowWaits(definition, 60, parseNcrontab)).toBe(1860);
    expect(withWindowWaits({ ...definition, maxExecutionTimeInSeconds: 600 }, 60, parseNcrontab)).toBe(600);
    expect(withWindowWaits({ ...definition, schedulingConfig: undefined }, 60, parseNcrontab)).toBe(60);
  });
});
