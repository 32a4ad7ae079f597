import type { Clock, Delays, IdGenerator, JobRepository } from '../core/ports';

/** How long a lease lasts unless renewed: a step whose host died blocks the next one at most this long. */
export const ENGINE_LEASE_MS = 30_000;
const RENEW_EVERY_MS = ENGINE_LEASE_MS / 3;
const RETRY_MS = 1_000;
const FIRST_RELEASE_RETRY_MS = 500;
const MAX_RELEASE_RETRY_MS = 5_000;

export interface EngineLeaseDependencies {
  jobs: Pick<JobRepository, 'leaseEngine' | 'releaseEngine'>;
  clock: Clock;
  delays: Delays;
  /** Names each delivery's hold on the lease. */
  ids: IdGenerator;
}

/**
 * Runs one engine step of a job while holding the job's engine lease (renewed as it runs), so a step delivered
 * twice (activities run at least once: a redelivered work item, a host that died mid-step) never runs beside
 * itself — two runs would each write the shards' counters from their own view. A second delivery waits for the
 * first to end and then finds its devices done. Answers undefined when the lease was not free by `waitUntil`.
 */
export async function withEngineLease<T>(
  deps: EngineLeaseDependencies,
  jobId: string,
  waitUntil: number,
  step: () => Promise<T>,
): Promise<T | undefined> {
  const holder = deps.ids.newId();
  const expiry = () => new Date(deps.clock.now().getTime() + ENGINE_LEASE_MS);
  while (!(await deps.jobs.leaseEngine(jobId, holder, expiry()))) {
    if (deps.clock.now().getTime() >= waitUntil) return undefined;
    await deps.delays.sleep(RETRY_MS);
  }
  let heldUntil = expiry().getTime();
  let renewing: Promise<unknown> = Promise.resolve();
  const stopRenewing = deps.delays.every(RENEW_EVERY_MS, () => {
    const until = expiry();
    // A failed renewal is not fatal: the step goes on, and the next renewal tries again.
    renewing = deps.jobs.leaseEngine(jobId, holder, until).then(
      (renewed) => {
        if (renewed) heldUntil = until.getTime();
      },
      () => undefined,
    );
  });
  try {
    return await step();
  } finally {
    stopRenewing();
    await renewing;
    await release(deps, jobId, holder, heldUntil);
  }
}

/**
 * Releases the lease, retrying with back-off while storage fails (an outage): a lease left behind would hold the
 * job's next step until it expires, up to 30 s after storage is back. Gives up once the lease has expired anyway.
 */
async function release(
  deps: EngineLeaseDependencies,
  jobId: string,
  holder: string,
  heldUntil: number,
): Promise<void> {
  for (let delay = FIRST_RELEASE_RETRY_MS; ; delay = Math.min(MAX_RELEASE_RETRY_MS, delay * 2)) {
    try {
      await deps.jobs.releaseEngine(jobId, holder);
      return;
    } catch {
      if (deps.clock.now().getTime() + delay >= heldUntil) return;
    }
    await deps.delays.sleep(delay);
  }
}
