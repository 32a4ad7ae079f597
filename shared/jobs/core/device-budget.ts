import { DEFAULT_PRIORITY } from './rollout-config';

/**
 * One device-operation budget (`JOBS_DEVICE_OPERATIONS_PER_SECOND`) shared by every running job on every host, as
 * a hub throttles per hub: running jobs split it in proportion to their `priority`. Hosts coordinate through a
 * table of running jobs (priority and heartbeat), read about once a second; each job paces its own calls with
 * the engine's budget pacer (`engine/budget-pacer.ts`) at its share. No central process.
 */

/** A running job as the budget table lists it. */
export interface BudgetMember {
  jobId: string;
  priority: number;
  /** Epoch ms of the member's last heartbeat (its host writes one about every {@link BUDGET_HEARTBEAT_MS}). */
  heartbeatAt: number;
}

/** How often a host writes its running jobs' heartbeats and reads everyone's. */
export const BUDGET_HEARTBEAT_MS = 1_000;

/** A member whose heartbeat is older than this no longer counts (its host stopped or lost its storage). */
export const BUDGET_MEMBER_EXPIRY_MS = 4_000;

/** A member row this stale is removed by whichever host reads it (its host never came back to delete it). */
export const BUDGET_ROW_PURGE_MS = 60_000;

/** The members that count now: fresh heartbeats only, one entry per job (the highest priority if repeated). */
export function liveMembers(members: readonly BudgetMember[], now: number): BudgetMember[] {
  const byJob = new Map<string, BudgetMember>();
  for (const member of members) {
    if (now - member.heartbeatAt > BUDGET_MEMBER_EXPIRY_MS) continue;
    const seen = byJob.get(member.jobId);
    if (!seen || member.priority > seen.priority) byJob.set(member.jobId, member);
  }
  return [...byJob.values()];
}

/**
 * Each running job's operations per second: the budget split in proportion to priorities. `local` are the jobs
 * this host runs: they count even when the table read did not show them yet (a step that just joined).
 */
export function budgetShares(
  operationsPerSecond: number,
  members: readonly BudgetMember[],
  local: ReadonlyMap<string, number>,
): Map<string, number> {
  const priorities = new Map<string, number>(members.map((member) => [member.jobId, member.priority]));
  for (const [jobId, priority] of local) priorities.set(jobId, priority);
  let total = 0;
  for (const priority of priorities.values()) total += priority;
  const shares = new Map<string, number>();
  for (const [jobId, priority] of priorities) shares.set(jobId, (operationsPerSecond * priority) / total);
  return shares;
}

/** What a job that starts now would get: its priority against the running jobs' (a dry run's view). */
export function prospectiveShare(
  operationsPerSecond: number,
  running: readonly Pick<BudgetMember, 'jobId' | 'priority'>[],
  jobId: string,
  priority = DEFAULT_PRIORITY,
): number {
  const others = running.filter((member) => member.jobId !== jobId);
  const total = others.reduce((sum, member) => sum + member.priority, priority);
  return (operationsPerSecond * priority) / total;
}

/**
 * A run step's place in the budget: its current share, and leaving when the step ends. Implemented over storage
 * (`shared/storage/device-budget-table.ts`).
 */
export interface BudgetShare {
  /** Operations per second this job may make now (changes as jobs start and end). */
  operationsPerSecond(): number;
  leave(): Promise<void>;
}

/** The service-wide device-operation budget (absent from the ports when `JOBS_DEVICE_OPERATIONS_PER_SECOND` is unset). */
export interface DeviceOperationBudget {
  /** The whole budget, in operations per second. */
  readonly operationsPerSecond: number;
  /** Joins a run step of `jobId` (resolves once the running jobs were read, so the first call keeps to the share). */
  join(jobId: string, priority: number): Promise<BudgetShare>;
  /** The jobs running now, with their priorities (for dry-run estimates). */
  running(): Promise<Pick<BudgetMember, 'jobId' | 'priority'>[]>;
}
