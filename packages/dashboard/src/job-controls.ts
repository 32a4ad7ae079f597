import type { JobResponse, WaveStatistics } from '@device-jobs/client';
import { h } from './dom.js';

/**
 * The pause/resume control a job offers: `Pause` while it runs, `Resume` when paused on request, `Approve` when a
 * gated wave paused it for approval (`lastControlAction.by` is `wave:<name>`); undefined otherwise.
 */
export function pauseControlOf(
  job: Pick<JobResponse, 'status' | 'lastControlAction'>,
): { label: 'Pause' | 'Resume' | 'Approve'; action: 'pause' | 'resume' } | undefined {
  if (job.status === 'running') return { label: 'Pause', action: 'pause' };
  if (job.status !== 'paused') return undefined;
  const byWave = job.lastControlAction?.action === 'pause' && job.lastControlAction.by.startsWith('wave:');
  return { label: byWave ? 'Approve' : 'Resume', action: 'resume' };
}

/** Whether a job can be rolled back from its page: an ended twin job that is not itself a rollback. */
export function canRollBack(job: Pick<JobResponse, 'type' | 'endTime' | 'rollbackOf'>): boolean {
  return job.type === 'scheduleUpdateTwin' && job.endTime !== undefined && job.rollbackOf === undefined;
}

/**
 * The waves of a job as segments of one strip under its progress bar, each as wide as its share of the devices,
 * coloured and labelled by its state (pending, running, passed, failed) with its counts.
 */
export function waveSegments(waves: readonly WaveStatistics[]): HTMLElement {
  const total = waves.reduce((sum, wave) => sum + wave.deviceCount, 0);
  return h(
    'ol',
    { class: 'waves', 'aria-label': 'Waves' },
    ...waves.map((wave) => {
      const text = `${wave.name}: ${wave.state}, ${wave.succeededCount} of ${wave.deviceCount} succeeded`;
      const item = h(
        'li',
        { class: `wave wave-${wave.state}`, 'data-wave': wave.name, 'data-state': wave.state, title: text },
        h('span', { class: 'wave-name' }, wave.name),
        h('span', { class: 'wave-state' }, `${wave.state} · ${wave.succeededCount}/${wave.deviceCount}`),
      );
      item.style.flexGrow = String(total === 0 ? 1 : Math.max(wave.deviceCount, total / 50));
      return item;
    }),
  );
}
