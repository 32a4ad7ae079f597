import { withEngineLease } from '../../../../shared/jobs/engine/lease';
import { InMemoryJobRepository, InstantDelays, SequentialIds } from '../../../support/in-memory-ports';

const clock = { now: () => new Date() };

/** A job repository whose lease releases fail while storage is "down". */
class FlakyReleases extends InMemoryJobRepository {
  failuresLeft = 0;
  releaseCalls = 0;

  override releaseEngine(jobId: string, holder: string): Promise<void> {
    this.releaseCalls += 1;
    if (this.failuresLeft > 0) {
      this.failuresLeft -= 1;
      return Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    }
    return super.releaseEngine(jobId, holder);
  }
}

describe('the engine lease', () => {
  it('is released once storage answers again, so the next step does not wait out its expiry', async () => {
    const jobs = new FlakyReleases();
    jobs.failuresLeft = 2;
    const delays = new InstantDelays();
    const deps = { jobs, clock, delays, ids: new SequentialIds() };
    const first = await withEngineLease(deps, 'job-1', Date.now(), () => Promise.resolve('first'));
    expect(first).toBe('first');
    expect(jobs.releaseCalls).toBe(3);
    // Backing off between tries, through the injected delays; the renewal runs every third of the lease.
    expect(delays.slept).toEqual([500, 1_000]);
    expect(delays.timers).toEqual([10_000]);
    // The next step takes the lease at once (before, the lease stayed held for 30 s after a failed release).
    const second = await withEngineLease(deps, 'job-1', Date.now(), () => Promise.resolve('second'));
    expect(second).toBe('second');
  });

  it('makes a second delivery wait while the first holds it', async () => {
    const jobs = new FlakyReleases();
    const deps = { jobs, clock, delays: new InstantDelays(), ids: new SequentialIds() };
    let release: () => void = () => undefined;
    const first = withEngineLease(
      deps,
      'job-2',
      Date.now(),
      () => new Promise<string>((resolve) => (release = () => resolve('first'))),
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(await withEngineLease(deps, 'job-2', Date.now(), () => Promise.resolve('x'))).toBeUndefined();
    release();
    expect(await first).toBe('first');
  });
});
