import type { JobResponse } from '@device-jobs/client';
import { h } from './dom.js';
import { statusBadge } from './widgets.js';

/**
 * One badge a job may carry beside its status (a rollback, a continuous job, a maintenance window, a priority…):
 * undefined when it does not apply. Features add their badge to {@link JOB_BADGES}; the job page and the jobs list
 * show them all, in order.
 */
export interface JobBadge {
  /** A short stable name (`data-badge`), for styles and tests. */
  name: string;
  render(job: JobResponse): { text: string; title?: string } | undefined;
}

export const JOB_BADGES: JobBadge[] = [
  {
    name: 'rollback',
    render: (job) =>
      job.rollbackOf === undefined
        ? undefined
        : { text: 'rollback', title: `Restores what ${job.rollbackOf} overwrote` },
  },
  {
    name: 'rolled-back',
    render: (job) =>
      job.rollbackJobId === undefined
        ? undefined
        : { text: 'rolled back', title: `Rolled back by ${job.rollbackJobId}` },
  },
  {
    name: 'continuous',
    render: (job) =>
      job.targetSelection === 'continuous'
        ? {
            text: 'continuous',
            title: 'Continuous: devices that come to match the query later join the job until it ends.',
          }
        : undefined,
  },
  {
    name: 'window',
    render: (job) => {
      const windows = job.schedulingConfig;
      if (!windows) return undefined;
      const schedules = windows.maintenanceWindows
        .map((window) => `${window.schedule} for ${window.durationInMinutes} min`)
        .join('; ');
      const waiting = job.nextWindowStart ? ` Waiting until ${job.nextWindowStart}.` : '';
      return { text: 'window', title: `Maintenance windows (${windows.timeZone}): ${schedules}.${waiting}` };
    },
  },
];

/** The job's status badge followed by every badge of {@link JOB_BADGES} that applies. */
export function jobBadges(job: JobResponse): HTMLElement[] {
  const extras = JOB_BADGES.flatMap((badge) => {
    const shown = badge.render(job);
    if (!shown) return [];
    return [
      h(
        'span',
        {
          class: `badge badge-extra badge-${badge.name}`,
          'data-badge': badge.name,
          title: shown.title ?? '',
        },
        shown.text,
      ),
    ];
  });
  return [statusBadge(job.status), ...extras];
}
