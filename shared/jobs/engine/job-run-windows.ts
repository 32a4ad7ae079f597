import { type JobExecutionDependencies, updateJob } from './job-execution';
import type { JobRecord } from '../core/job-model';
import { maintenanceWindowAt, windowWaitMessage } from '../core/maintenance-windows';

/** Where a step of a job with maintenance windows stands: inside one (until `end`, ms), or waiting for the next. */
export type WindowGate = { open: true; end: number } | { open: false; nextWindowStart?: string };

/**
 * Checks the job's maintenance windows as a step begins. Outside them the job row says what it waits for
 * (`statusMessage`, `nextWindowStart`); inside one, a wait noted before is cleared. Jobs without windows are
 * always open.
 */
export async function enterMaintenanceWindow(
  deps: JobExecutionDependencies,
  job: JobRecord,
): Promise<WindowGate> {
  const config = job.schedulingConfig;
  if (!config) return { open: true, end: Number.POSITIVE_INFINITY };
  if (!deps.parseCron) throw new Error('No NCRONTAB parser was composed to read schedulingConfig.');
  const now = deps.clock.now();
  const state = maintenanceWindowAt(config, deps.parseCron, now);
  const nextWindowStart = state.open ? undefined : state.nextStart?.toISOString();
  await updateJob(
    deps.jobs,
    job.jobId,
    (current) => {
      if (current.status !== 'running') return undefined;
      if (state.open) {
        if (current.nextWindowStart === undefined) return undefined;
        const next: JobRecord = { ...current, statusMessage: 'Running.' };
        delete next.nextWindowStart;
        return next;
      }
      const statusMessage = windowWaitMessage(state.nextStart);
      if (current.statusMessage === statusMessage) return undefined;
      const next: JobRecord = { ...current, statusMessage };
      if (nextWindowStart === undefined) delete next.nextWindowStart;
      else next.nextWindowStart = nextWindowStart;
      return next;
    },
    { deps: deps.events, at: now.toISOString() },
  );
  if (state.open) return { open: true, end: state.end.getTime() };
  return nextWindowStart === undefined ? { open: false } : { open: false, nextWindowStart };
}

/**
 * After a step stopped at its window's end: whether the job ends there (`endBehavior: cancel`, and no window
 * opened meanwhile; back-to-back windows are one).
 */
export function cancelsAtWindowEnd(deps: JobExecutionDependencies, job: JobRecord): boolean {
  const config = job.schedulingConfig;
  if (config?.endBehavior !== 'cancel' || !deps.parseCron) return false;
  return !maintenanceWindowAt(config, deps.parseCron, deps.clock.now()).open;
}
