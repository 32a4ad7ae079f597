import type { JobRecord } from '../../../../shared/jobs/core/job-model';
import {
  type WaveConfig,
  judgeWave,
  openWave,
  waveSizes,
  waveStatistics,
  withEndedWave,
} from '../../../../shared/jobs/core/rollout-waves';
import { parseJobField } from '../../../../shared/jobs/core/rollout-config';
import { WavesSchema } from '@device-jobs/client/schemas';

const canary: WaveConfig = { name: 'canary', deviceCount: 10, successThresholdPercentage: 90, then: 'pause' };
const half: WaveConfig = {
  name: 'half',
  devicePercentage: 50,
  successThresholdPercentage: 95,
  then: 'continue',
};
const T = new Date('2026-12-06T10:00:00.000Z');
const job = (status: JobRecord['status'] = 'running'): JobRecord => ({
  jobId: 'j',
  type: 'scheduleDeviceMethod',
  status,
  createdTime: T.toISOString(),
  startTime: T.toISOString(),
  maxExecutionTimeInSeconds: 60,
  rolloutConfig: { waves: [canary, half] },
});

describe('gated waves arithmetic', () => {
  it('sizes waves by count and rounded-up share, the rest forming the last wave', () => {
    expect(waveSizes([canary, half], 101)).toEqual([10, 51, 40]);
    expect(waveSizes([canary, half], 12)).toEqual([10, 2, 0]);
    expect(waveSizes([{ ...half, devicePercentage: 1 }], 50)).toEqual([1, 49]);
  });

  it('judges a wave against its threshold with the figures an operator reads', () => {
    expect(judgeWave(canary, { deviceCount: 10, succeededCount: 8 })).toEqual({
      passed: false,
      reason: 'wave canary: 8 of 10 succeeded (80% < 90%).',
    });
    expect(judgeWave(canary, { deviceCount: 3, succeededCount: 2 }).reason).toContain('(66.7% < 90%)');
    expect(judgeWave(canary, { deviceCount: 10, succeededCount: 9 }).passed).toBe(true);
    expect(judgeWave(canary, { deviceCount: 0, succeededCount: 0 }).passed).toBe(true);
  });

  it('records a wave once, pausing the job by wave:<name> when it failed or asks for approval', () => {
    const open = openWave([canary, half], [], 100);
    expect(open).toMatchObject({ index: 0, size: 10, end: 10 });
    if (!open) throw new Error('no open wave');
    const failed = withEndedWave(job(), open, { succeededCount: 8, failedCount: 2 }, T);
    expect(failed).toMatchObject({
      status: 'paused',
      statusMessage: 'Paused: wave canary: 8 of 10 succeeded (80% < 90%).',
      lastControlAction: { action: 'pause', by: 'wave:canary', time: T.toISOString() },
      endedWaves: [{ name: 'canary', deviceCount: 10, succeededCount: 8, failedCount: 2, state: 'failed' }],
    });
    expect(failed && withEndedWave(failed, open, { succeededCount: 8, failedCount: 2 }, T)).toBeUndefined();
    // The second wave passes and continues: recorded, not paused; its counts exclude the first wave's.
    const resumed = { ...(failed as JobRecord), status: 'running' as const };
    const second = openWave([canary, half], resumed.endedWaves ?? [], 100);
    expect(second).toMatchObject({ index: 1, size: 50, end: 60 });
    if (!second) throw new Error('no second wave');
    const next = withEndedWave(resumed, second, { succeededCount: 58, failedCount: 2 }, T);
    expect(next?.status).toBe('running');
    expect(next?.endedWaves?.[1]).toEqual({
      name: 'half',
      deviceCount: 50,
      succeededCount: 50,
      failedCount: 0,
      state: 'passed',
    });
    expect(openWave([canary, half], next?.endedWaves ?? [], 100)).toBeUndefined();
  });

  it('shows recorded waves, the running one live, later ones pending; an ended job judges its last wave', () => {
    const ended = [
      { name: 'canary', deviceCount: 10, succeededCount: 10, failedCount: 0, state: 'passed' as const },
    ];
    const stats = { deviceCount: 100, succeededCount: 14, failedCount: 1, pendingCount: 80 };
    expect(waveStatistics([canary, half], ended, stats, undefined)).toEqual([
      ended[0],
      { name: 'half', deviceCount: 50, succeededCount: 4, failedCount: 1, state: 'running' },
      { name: 'remaining', deviceCount: 40, succeededCount: 0, failedCount: 0, state: 'pending' },
    ]);
    const cancelled = { deviceCount: 100, succeededCount: 10, failedCount: 90, pendingCount: 0 };
    // Cancelled in the second wave: its unfinished devices and every device of the last wave were canceled.
    expect(waveStatistics([canary, half], ended, cancelled, 'stopped').slice(1)).toEqual([
      { name: 'half', deviceCount: 50, succeededCount: 0, failedCount: 50, state: 'failed' },
      { name: 'remaining', deviceCount: 40, succeededCount: 0, failedCount: 40, state: 'failed' },
    ]);
    const done = { deviceCount: 12, succeededCount: 11, failedCount: 1, pendingCount: 0 };
    const last = waveStatistics(
      [{ ...canary, deviceCount: 2 }],
      [{ name: 'canary', deviceCount: 2, succeededCount: 2, failedCount: 0, state: 'passed' }],
      done,
      'completed',
    );
    expect(last[1]).toEqual({
      name: 'remaining',
      deviceCount: 10,
      succeededCount: 9,
      failedCount: 1,
      state: 'passed',
    });
  });

  it('refuses bad waves naming the dotted field', () => {
    const field = (value: unknown) => {
      try {
        parseJobField(WavesSchema, value, 'rolloutConfig.waves');
      } catch (error: unknown) {
        return (error as { field: string }).field;
      }
      return undefined;
    };
    expect(field(Array.from({ length: 21 }, (_, i) => ({ ...canary, name: `w${i}` })))).toBe(
      'rolloutConfig.waves',
    );
    expect(field([{ ...canary, name: 'remaining' }])).toBe('rolloutConfig.waves[0].name');
    expect(field([{ ...canary, name: 'has space' }])).toBe('rolloutConfig.waves[0].name');
    expect(field([{ name: 'x', successThresholdPercentage: 1, then: 'pause' }])).toBe(
      'rolloutConfig.waves[0]',
    );
    expect(field([{ ...canary, deviceCount: 0 }])).toBe('rolloutConfig.waves[0].deviceCount');
    expect(field([canary, half])).toBeUndefined();
  });
});
