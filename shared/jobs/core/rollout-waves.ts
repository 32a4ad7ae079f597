import { pausedStatusMessage } from './job-lifecycle';
import type { JobRecord } from './job-model';
import type { EndedWave, WaveConfig, WaveStatistics } from './rollout-wave-model';
import { LAST_WAVE_NAME } from '@device-jobs/client/schemas';

export type { EndedWave, WaveConfig, WaveStatistics };

/**
 * The devices of each wave out of `total` targets, the last (unlisted) wave included: a percentage is rounded up
 * (1 % of 50 devices is 1 device), and a wave never takes more than the targets left.
 */
export function waveSizes(waves: readonly WaveConfig[], total: number): number[] {
  let left = total;
  const sizes = waves.map((wave) => {
    const wanted = wave.deviceCount ?? Math.ceil(((wave.devicePercentage ?? 0) * total) / 100);
    const size = Math.min(wanted, left);
    left -= size;
    return size;
  });
  return [...sizes, left];
}

/** Percentages as a person reads them: whole numbers, or one decimal. */
function percent(value: number): string {
  return `${Number(value.toFixed(1))}%`;
}

/** Whether a wave that ended passed its bar, and the reason a pause after it gives. */
export function judgeWave(
  wave: WaveConfig,
  counts: { deviceCount: number; succeededCount: number },
): { passed: boolean; reason: string } {
  const share = counts.deviceCount === 0 ? 100 : (100 * counts.succeededCount) / counts.deviceCount;
  const passed = share >= wave.successThresholdPercentage;
  const figures = `${counts.succeededCount} of ${counts.deviceCount} succeeded`;
  const comparison = `${percent(share)} ${passed ? '≥' : '<'} ${percent(wave.successThresholdPercentage)}`;
  return {
    passed,
    reason: passed
      ? `wave ${wave.name}: ${figures} (${comparison}); resume to approve the next wave.`
      : `wave ${wave.name}: ${figures} (${comparison}).`,
  };
}

/** The wave a run must not start past yet: the first listed wave not ended, with the device index it ends at. */
export function openWave(
  waves: readonly WaveConfig[],
  ended: readonly EndedWave[],
  total: number,
): OpenWave | undefined {
  const sizes = waveSizes(waves, total);
  const index = ended.length;
  const wave = waves[index];
  if (!wave) return undefined;
  const end = sizes.slice(0, index + 1).reduce((sum, size) => sum + size, 0);
  return { index, wave, end, size: sizes[index] ?? 0 };
}

/** The listed wave a run is in: its place, its config, its size and the device index after its last device. */
export interface OpenWave {
  index: number;
  wave: WaveConfig;
  size: number;
  end: number;
}

/**
 * The job row once wave `open` ended with the job's counts `stats`: the wave recorded, and the job paused (by
 * `wave:<name>`) when the wave failed its bar or asks for approval. `undefined` when the wave is already recorded.
 */
export function withEndedWave(
  job: JobRecord,
  open: OpenWave,
  stats: { succeededCount: number; failedCount: number },
  now: Date,
): JobRecord | undefined {
  const ended = job.endedWaves ?? [];
  if (ended.length !== open.index) return undefined;
  const succeededCount = stats.succeededCount - ended.reduce((sum, wave) => sum + wave.succeededCount, 0);
  const failedCount = stats.failedCount - ended.reduce((sum, wave) => sum + wave.failedCount, 0);
  const verdict = judgeWave(open.wave, { deviceCount: open.size, succeededCount });
  const record: EndedWave = {
    name: open.wave.name,
    deviceCount: open.size,
    succeededCount,
    failedCount,
    state: verdict.passed ? 'passed' : 'failed',
  };
  const next: JobRecord = { ...job, endedWaves: [...ended, record] };
  if (job.status !== 'running' || (verdict.passed && open.wave.then === 'continue')) return next;
  return {
    ...next,
    status: 'paused',
    statusMessage: pausedStatusMessage(verdict.reason),
    lastControlAction: {
      action: 'pause',
      by: `wave:${open.wave.name}`,
      reason: verdict.reason,
      time: now.toISOString(),
    },
  };
}

/**
 * `waveStatistics` of a job: ended waves as recorded, the wave under way live (the job's counts minus those of the
 * ended waves: waves run one after another), later ones pending. When the job ended, the wave it was in is judged
 * on what its devices reached (the last, unlisted wave has no bar: it passes when the job completed); after a
 * cancel, a deadline or an abort, a wave with devices that did not succeed failed.
 */
export function waveStatistics(
  waves: readonly WaveConfig[],
  ended: readonly EndedWave[],
  stats: { deviceCount: number; succeededCount: number; failedCount: number; pendingCount: number },
  jobEnd: 'completed' | 'stopped' | undefined,
): WaveStatistics[] {
  const sizes = waveSizes(waves, stats.deviceCount);
  const names = [...waves.map((wave) => wave.name), LAST_WAVE_NAME];
  const succeededBefore = ended.reduce((sum, wave) => sum + wave.succeededCount, 0);
  const failedBefore = ended.reduce((sum, wave) => sum + wave.failedCount, 0);
  // Failures past the wave under way are devices settled without running (canceled at a stop): they belong to
  // the later waves, in order.
  let failedLeft = stats.failedCount - failedBefore;
  return names.map((name, index): WaveStatistics => {
    const recorded = ended[index];
    if (recorded) return { ...recorded };
    const deviceCount = sizes[index] ?? 0;
    const succeededCount = index === ended.length ? stats.succeededCount - succeededBefore : 0;
    const failedCount = Math.min(failedLeft, deviceCount - succeededCount);
    failedLeft -= failedCount;
    if (index > ended.length && !jobEnd) {
      return { name, deviceCount, succeededCount, failedCount, state: 'pending' };
    }
    const started = stats.deviceCount - stats.pendingCount > succeededBefore + failedBefore;
    const config = waves[index] ?? { name, successThresholdPercentage: 0, then: 'continue' as const };
    const passed =
      judgeWave(config, { deviceCount, succeededCount }).passed &&
      (jobEnd === 'completed' || succeededCount === deviceCount);
    const state = jobEnd ? (passed ? 'passed' : 'failed') : started ? 'running' : 'pending';
    return { name, deviceCount, succeededCount, failedCount, state };
  });
}
