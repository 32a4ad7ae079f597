import { CoalescedJoinSignals } from '../../../../shared/jobs/engine/coalesced-join-signals';
import type { JobJoinSignals } from '../../../../shared/jobs/core/ports';

/** Sends that stay on their way until the test settles them, in the order they began. */
function manualSignals() {
  const begun: { jobId: string; settle: (error?: Error) => void }[] = [];
  const signals: JobJoinSignals = {
    send: (jobId) =>
      new Promise<void>((resolve, reject) => {
        begun.push({ jobId, settle: (error) => (error ? reject(error) : resolve()) });
      }),
  };
  return { signals, begun };
}

/** Lets every settled promise's callbacks run. */
const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('coalesced join signals', () => {
  it('answers every caller with a send that began after its call, two sends for a burst', async () => {
    const { signals, begun } = manualSignals();
    const coalesced = new CoalescedJoinSignals(signals);
    const answered: number[] = [];
    const first = coalesced.send('job').then(() => answered.push(1));
    const burst = [2, 3, 4].map((caller) => coalesced.send('job').then(() => answered.push(caller)));
    expect(begun).toHaveLength(1);

    begun[0]?.settle();
    await turn();
    // The first send may have begun before the burst's devices were stored: the burst waits for the second.
    expect(answered).toEqual([1]);
    expect(begun).toHaveLength(2);
    const late = coalesced.send('job').then(() => answered.push(5));
    begun[1]?.settle();
    await turn();
    expect(answered.sort()).toEqual([1, 2, 3, 4]);
    expect(begun).toHaveLength(3);
    begun[2]?.settle();
    await Promise.all([first, ...burst, late]);
    expect(answered).toEqual([1, 2, 3, 4, 5]);

    // Nothing on its way: the next call sends at once.
    void coalesced.send('job');
    expect(begun).toHaveLength(4);
    begun[3]?.settle();
  });

  it('keeps jobs apart, and a failed send fails its callers without stopping the next', async () => {
    const { signals, begun } = manualSignals();
    const coalesced = new CoalescedJoinSignals(signals);
    const a = coalesced.send('a');
    const b = coalesced.send('b');
    const aAgain = coalesced.send('a');
    expect(begun.map((send) => send.jobId)).toEqual(['a', 'b']);
    begun[0]?.settle(new Error('queue unavailable'));
    await expect(a).rejects.toThrow('queue unavailable');
    await turn();
    expect(begun.map((send) => send.jobId)).toEqual(['a', 'b', 'a']);
    begun[2]?.settle();
    begun[1]?.settle();
    await expect(aAgain).resolves.toBeUndefined();
    await expect(b).resolves.toBeUndefined();
  });
});
