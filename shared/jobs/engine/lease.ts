import type { Clock, Delays, IdGenerator, JobRepository, LeaseStore } from '../core/ports';

/** How long a lease lasts unless renewed: work whose host died blocks the next holder at most this long. */
export const LEASE_MS = 30_000;
const RENEW_EVERY_MS = LEASE_MS / 3;
const RETRY_MS = 1_000;
const FIRST_RELEASE_RETRY_MS = 500;
const MAX_RELEASE_RETRY_MS = 5_000;

/** What holding a lease takes: its time, waits and holder names come from the ports. */
export interface LeaseDependencies {
  clock: Clock;
  delays: Delays;
  /** Names each hold on the lease. */
  ids: IdGenerator;
}

export interface EngineLeaseDependencies extends LeaseDependencies {
  jobs: Pick<JobRepository, 'leaseEngine' | 'releaseEngine'>;
}

/**
 * Runs `work` while holding `lease` (renewed as it runs), so work on one resource never runs beside itself on any
 * host: a second holder waits for the first to end (or for its lease to expire, when its host died). Answers
 * `{ value }`, or undefined when the lease was not free by `waitUntil` (then `work` did not run).
 */
export async function withLease<T>(
  deps: LeaseDependencies,
  lease: LeaseStore,
  waitUntil: number,
  work: () => Promise<T>,
): Promise<{ value: T } | undefined> {
  const holder = deps.ids.newId();
  const expiry = () => new Date(deps.clock.now().getTime() + LEASE_MS);
  while (!(await lease.take(holder, expiry()))) {
    if (deps.clock.now().getTime() >= waitUntil) return undefined;
    await deps.delays.sleep(RETRY_MS);
  }
  let heldUntil = expiry().getTime();
  let renewing: Promise<unknown> = Promise.resolve();
  const stopRenewing = deps.delays.every(RENEW_EVERY_MS, () => {
    const until = expiry();
    // A failed renewal is not fatal: the work goes on, and the next renewal tries again.
    renewing = lease.take(holder, until).then(
      (renewed) => {
        if (renewed) heldUntil = until.getTime();
      },
      () => undefined,
    );
  });
  try {
    return { value: await work() };
  } finally {
    stopRenewing();
    await renewing;
    await release(deps, lease, holder, heldUntil);
  }
}

/**
 * Runs one engine step of a job while holding the job's engine lease, so a step delivered twice (activities run
 * at least once: a redelivered work item, a host that died mid-step) never runs beside itself — two runs would
 * each write the shards' counters from their own view. A second delivery waits for the first to end and then
 * finds its devices done. Answers undefined when the lease was not free by `waitUntil`.
 */
export async function withEngineLease<T>(
  deps: EngineLeaseDependencies,
  jobId: string,
  waitUntil: number,
  step: () => Promise<T>,
): Promise<T | undefined> {
  const lease: LeaseStore = {
    take: (holder, expiresAt) => deps.jobs.leaseEngine(jobId, holder, expiresAt),
    release: (holder) => deps.jobs.releaseEngine(jobId, holder),
  };
  return (await withLease(deps, lease, waitUntil, step))?.value;
}

/**
 * Releases the lease, retrying with back-off while storage fails (an outage): a lease left behind would hold the
 * next holder until it expires, up to 30 s after storage is back. Gives up once the lease has expired anyway.
 */
async function release(
  deps: LeaseDependencies,
  lease: LeaseStore,
  holder: string,
  heldUntil: number,
): Promise<void> {
  for (let delay = FIRST_RELEASE_RETRY_MS; ; delay = Math.min(MAX_RELEASE_RETRY_MS, delay * 2)) {
    try {
      await lease.release(holder);
      return;
    } catch {
      if (deps.clock.now().getTime() + delay >= heldUntil) return;
    }
    await deps.delays.sleep(delay);
  }
}
