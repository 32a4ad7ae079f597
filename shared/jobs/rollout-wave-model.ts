/** The types of gated waves (`rolloutConfig.waves`); the rules are in `rollout-waves.ts`. */

/** One gated wave of `rolloutConfig.waves`: its size (a count or a share of the targets), its bar, what follows. */
export interface WaveConfig {
  name: string;
  deviceCount?: number;
  devicePercentage?: number;
  successThresholdPercentage: number;
  then: 'continue' | 'pause';
}

/** How a wave ended, kept on the job row when its last device is final. */
export interface EndedWave {
  name: string;
  deviceCount: number;
  succeededCount: number;
  failedCount: number;
  state: 'passed' | 'failed';
}

/** A wave as job responses show it (`waveStatistics`). */
export interface WaveStatistics {
  name: string;
  deviceCount: number;
  succeededCount: number;
  failedCount: number;
  state: 'pending' | 'running' | 'passed' | 'failed';
}
