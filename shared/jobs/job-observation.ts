import { type DurationObservation, observeFinishedJob } from './job-estimate';
import type { DeviceJobRecord, JobRecord } from './job-model';

/** Start and end of each device call of a job, in epoch milliseconds. */
export interface DeviceCallSpan {
  startMs: number;
  endMs: number;
}

/** The call span of a device row that ran (settled devices never started: no span). */
export function callSpanOf(row: DeviceJobRecord): DeviceCallSpan | undefined {
  if (!row.startTimeUtc || !row.endTimeUtc) return undefined;
  const startMs = Date.parse(row.startTimeUtc);
  const endMs = Date.parse(row.endTimeUtc);
  return Number.isFinite(startMs) && endMs >= startMs ? { startMs, endMs } : undefined;
}

/** Most calls that were outstanding at the same instant. */
export function peakConcurrency(spans: readonly DeviceCallSpan[]): number {
  const edges = spans.flatMap((span) => [
    { at: span.startMs, delta: 1 },
    { at: span.endMs, delta: -1 },
  ]);
  // Ends before starts at the same instant: a slot freed and re-used at once is not two calls at a time.
  edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let current = 0;
  let peak = 0;
  for (const edge of edges) {
    current += edge.delta;
    peak = Math.max(peak, current);
  }
  return peak;
}

/** Calibrates the dry-run model on a job that just ended; `undefined` when no device ran. */
export function observationOf(
  job: JobRecord,
  spans: readonly DeviceCallSpan[],
  endTime: string,
): DurationObservation | undefined {
  if (spans.length === 0 || !job.runStartedTime) return undefined;
  return observeFinishedJob({
    jobId: job.jobId,
    observedAt: endTime,
    runSeconds: (Date.parse(endTime) - Date.parse(job.runStartedTime)) / 1000,
    deviceDurationsSeconds: spans.map((span) => (span.endMs - span.startMs) / 1000),
    concurrency: Math.max(1, peakConcurrency(spans)),
    ...(job.rolloutConfig ? { rollout: job.rolloutConfig } : {}),
  });
}
