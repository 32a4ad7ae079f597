/** The types of gated waves (`rolloutConfig.waves`); the rules are in `rollout-waves.ts`. */

// The wire shapes are the contract's (@device-jobs/client), taken as types only.
export type { WaveConfig, WaveStatistics } from '@device-jobs/client/contract';

/** How a wave ended, kept on the job row when its last device is final. */
export interface EndedWave {
  name: string;
  deviceCount: number;
  succeededCount: number;
  failedCount: number;
  state: 'passed' | 'failed';
}
