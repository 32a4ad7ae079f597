import type { DeviceJobResponse, DeviceJobStatistics } from '@device-jobs/client';
import { finishedCount } from './model.js';

/** Finished devices at a moment. */
export interface ProgressSample {
  at: number;
  finished: number;
  failed: number;
}

/** Devices finished per second over the samples of the last `windowMs`; undefined without two samples. */
export function ratePerSecond(samples: readonly ProgressSample[], windowMs = 15_000): number | undefined {
  const last = samples.at(-1);
  if (!last) return undefined;
  const first = samples.find((sample) => sample.at >= last.at - windowMs);
  if (!first || first.at === last.at) return undefined;
  return ((last.finished - first.finished) * 1000) / (last.at - first.at);
}

/**
 * Seconds until every device has finished at `rate`; undefined while there is no estimate (no device known yet, or
 * none finishing), 0 once every device has finished.
 */
export function etaSeconds(stats: DeviceJobStatistics, rate: number | undefined): number | undefined {
  if (stats.deviceCount === 0) return undefined;
  const left = stats.deviceCount - finishedCount(stats);
  if (left <= 0) return 0;
  if (rate === undefined || rate <= 0) return undefined;
  return left / rate;
}

/**
 * The statistics a set of device rows shows (the rows of one read, so that the counts, the failures and the device
 * table describe the same moment). Finished counts are the rows'; `running` is the larger of the rows marked running
 * and the service's `inFlight` (a device's row says `running` only after a second in flight), within the devices not
 * finished; the rest are pending. `deviceCount` is the job's, or the rows' when more rows than that were read.
 */
export function statisticsFromRows(
  deviceCount: number,
  rows: readonly DeviceJobResponse[],
  inFlight = 0,
): DeviceJobStatistics {
  let succeededCount = 0;
  let failedCount = 0;
  let markedRunning = 0;
  for (const row of rows) {
    if (row.status === 'completed') succeededCount += 1;
    else if (row.status === 'failed' || row.status === 'canceled') failedCount += 1;
    else if (row.status === 'running') markedRunning += 1;
  }
  const total = Math.max(deviceCount, rows.length);
  const open = total - succeededCount - failedCount;
  const runningCount = Math.min(open, Math.max(markedRunning, inFlight));
  return { deviceCount: total, succeededCount, failedCount, runningCount, pendingCount: open - runningCount };
}

/** The cumulative count of finished (and failed) devices at each device's end time, for the chart. */
export function samplesFromDeviceRows(rows: readonly DeviceJobResponse[]): ProgressSample[] {
  const ends = rows
    .filter(
      (row) =>
        row.endTimeUtc !== null &&
        (row.status === 'completed' || row.status === 'failed' || row.status === 'canceled'),
    )
    .map((row) => ({ at: Date.parse(row.endTimeUtc ?? ''), failed: row.status !== 'completed' }))
    .filter((end) => Number.isFinite(end.at))
    .sort((a, b) => a.at - b.at);
  const samples: ProgressSample[] = [];
  let finished = 0;
  let failed = 0;
  for (const end of ends) {
    finished += 1;
    if (end.failed) failed += 1;
    samples.push({ at: end.at, finished, failed });
  }
  return samples;
}

/** Failed devices of one error code. */
export interface FailureGroup {
  code: string;
  count: number;
  description: string;
  exampleDeviceIds: string[];
}

/** Failed and canceled devices grouped by error code, largest group first, with up to `examples` device ids. */
export function groupFailures(rows: readonly DeviceJobResponse[], examples = 3): FailureGroup[] {
  const groups = new Map<string, FailureGroup>();
  for (const row of rows) {
    if (row.status !== 'failed' && row.status !== 'canceled') continue;
    const code = row.error?.code ?? (row.status === 'canceled' ? 'Canceled' : 'Unknown');
    let group = groups.get(code);
    if (!group) {
      group = { code, count: 0, description: row.error?.description ?? '', exampleDeviceIds: [] };
      groups.set(code, group);
    }
    group.count += 1;
    if (group.exampleDeviceIds.length < examples) group.exampleDeviceIds.push(row.deviceId);
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
}

/**
 * `1 h 02 min`, `3 min 05 s`, `42 s`; a measured span below ten seconds with tenths (`2.4 s`), so that a short run
 * never reads `0 s` (whole seconds, such as estimates, stay whole).
 */
export function formatDuration(seconds: number): string {
  if (seconds < 9.95 && !Number.isInteger(seconds)) return `${Math.max(0, seconds).toFixed(1)} s`;
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h} h ${String(m).padStart(2, '0')} min`;
  if (m > 0) return `${m} min ${String(s).padStart(2, '0')} s`;
  return `${s} s`;
}
