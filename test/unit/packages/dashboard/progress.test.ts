import type { DeviceJobResponse } from '@device-jobs/client';
import {
  etaSeconds,
  formatDuration,
  groupFailures,
  ratePerSecond,
  samplesFromDeviceRows,
  statisticsFromRows,
} from '../../../../packages/dashboard/src/progress';

const row = (
  deviceId: string,
  status: DeviceJobResponse['status'],
  end: string | null,
  code?: string,
): DeviceJobResponse => ({
  deviceId,
  jobId: 'j',
  jobType: 'scheduleDeviceMethod',
  status,
  createdDateTimeUtc: '2026-11-29T12:00:00.000Z',
  lastUpdatedDateTimeUtc: end ?? '2026-11-29T12:00:00.000Z',
  startTimeUtc: null,
  endTimeUtc: end,
  outcome: { deviceMethodResponse: null },
  error: code ? { code, description: `${code} on ${deviceId}` } : null,
});

describe('job progress arithmetic of the dashboard', () => {
  it('measures the rate over the recent window and the time left at that rate', () => {
    const samples = [
      { at: 0, finished: 0, failed: 0 },
      { at: 10_000, finished: 50, failed: 0 },
      { at: 25_000, finished: 100, failed: 5 },
      { at: 35_000, finished: 200, failed: 5 },
    ];
    expect(ratePerSecond(samples)).toBe(10); // (200 − 100) / 10 s: only the samples of the last 15 s count
    expect(ratePerSecond(samples.slice(0, 1))).toBeUndefined();
    const stats = {
      deviceCount: 500,
      succeededCount: 195,
      failedCount: 5,
      runningCount: 10,
      pendingCount: 290,
    };
    expect(etaSeconds(stats, 10)).toBe(30);
    expect(etaSeconds(stats, 0)).toBeUndefined();
    expect(etaSeconds({ ...stats, succeededCount: 495, runningCount: 0, pendingCount: 0 }, undefined)).toBe(
      0,
    );
  });

  it('builds the finished-over-time history from end times, failures counted apart', () => {
    const rows = [
      row('c', 'completed', '2026-01-01T00:00:03Z'),
      row('a', 'failed', '2026-01-01T00:00:01Z', 'GatewayTimeout'),
      row('b', 'running', null),
      row('d', 'canceled', '2026-01-01T00:00:02Z', 'JobCancelled'),
    ];
    expect(samplesFromDeviceRows(rows)).toEqual([
      { at: Date.parse('2026-01-01T00:00:01Z'), finished: 1, failed: 1 },
      { at: Date.parse('2026-01-01T00:00:02Z'), finished: 2, failed: 2 },
      { at: Date.parse('2026-01-01T00:00:03Z'), finished: 3, failed: 2 },
    ]);
  });

  it('groups failed and canceled devices by error code, largest first, with examples', () => {
    const rows = [
      row('d1', 'failed', 'x', 'DeviceNotOnline'),
      row('d2', 'failed', 'x', 'GatewayTimeout'),
      row('d3', 'failed', 'x', 'DeviceNotOnline'),
      row('d4', 'completed', 'x'),
      row('d5', 'canceled', 'x'),
    ];
    expect(groupFailures(rows, 1)).toEqual([
      { code: 'DeviceNotOnline', count: 2, description: 'DeviceNotOnline on d1', exampleDeviceIds: ['d1'] },
      { code: 'Canceled', count: 1, description: '', exampleDeviceIds: ['d5'] },
      { code: 'GatewayTimeout', count: 1, description: 'GatewayTimeout on d2', exampleDeviceIds: ['d2'] },
    ]);
  });

  it('writes durations for people, with tenths for short measured spans (never "0 s" for a 2-s run)', () => {
    expect([formatDuration(42.4), formatDuration(185), formatDuration(3720)]).toEqual([
      '42 s',
      '3 min 05 s',
      '1 h 02 min',
    ]);
    expect([formatDuration(0.43), formatDuration(2.04), formatDuration(9.96), formatDuration(3)]).toEqual([
      '0.4 s',
      '2.0 s',
      '10 s',
      '3 s',
    ]);
  });

  it('has no estimate before the targets are known, and counts statistics from one read of the rows', () => {
    const none = { deviceCount: 0, succeededCount: 0, failedCount: 0, runningCount: 0, pendingCount: 0 };
    expect(etaSeconds(none, 5)).toBeUndefined();
    const rows = [
      row('a', 'completed', '2026-01-01T00:00:01Z'),
      row('b', 'failed', '2026-01-01T00:00:02Z', 'DeviceNotOnline'),
      row('c', 'canceled', '2026-01-01T00:00:02Z', 'JobCancelled'),
      row('d', 'running', null),
      row('e', 'pending', null),
    ];
    // 10 devices, 5 rows so far: finished from the rows; in flight the larger of the rows and the service's figure.
    expect(statisticsFromRows(10, rows, 3)).toEqual({
      deviceCount: 10,
      succeededCount: 1,
      failedCount: 2,
      runningCount: 3,
      pendingCount: 4,
    });
    expect(statisticsFromRows(3, rows, 0)).toMatchObject({
      deviceCount: 5,
      runningCount: 1,
      pendingCount: 1,
    });
    // The service's in-flight figure may count devices the rows already show finished: never beyond what is open.
    expect(statisticsFromRows(4, rows.slice(0, 3), 2)).toMatchObject({ runningCount: 1, pendingCount: 0 });
  });
});
