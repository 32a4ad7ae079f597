import { ConcurrencyConflictError, retryOnConflict } from '../../../../shared/iothub-rules';

/** An attempt that meets `conflicts` concurrent writers before it succeeds. */
function contended(conflicts: number, kind: 'changed' | 'missing' = 'changed') {
  const rounds: number[] = [];
  const attempt = (round: number) => {
    rounds.push(round);
    return round <= conflicts
      ? Promise.reject(new ConcurrencyConflictError("Job 'j1'", kind))
      : Promise.resolve(`written in round ${round}`);
  };
  return { rounds, attempt };
}

describe('retryOnConflict', () => {
  it('reads and writes again after each conflict until the write goes through', async () => {
    const { rounds, attempt } = contended(3);
    await expect(retryOnConflict(attempt)).resolves.toBe('written in round 4');
    expect(rounds).toEqual([1, 2, 3, 4]);
  });

  it('gives up after maxAttempts with the last conflict', async () => {
    const { rounds, attempt } = contended(10);
    await expect(retryOnConflict(attempt, { maxAttempts: 3 })).rejects.toThrow(
      "Job 'j1' was changed concurrently.",
    );
    expect(rounds).toEqual([1, 2, 3]);
  });

  it('retries conflicts only, and only those retryWhen accepts', async () => {
    const failing = jest.fn(() => Promise.reject(new Error('storage down')));
    await expect(retryOnConflict(failing)).rejects.toThrow('storage down');
    expect(failing).toHaveBeenCalledTimes(1);
    // A coded error that merely looks like a conflict is not one.
    const lookalike = jest.fn(() =>
      Promise.reject(Object.assign(new Error('etag'), { code: 'PreconditionFailed' })),
    );
    await expect(retryOnConflict(lookalike)).rejects.toThrow('etag');
    expect(lookalike).toHaveBeenCalledTimes(1);
    const { rounds, attempt } = contended(5, 'missing');
    const vanished = retryOnConflict(attempt, { retryWhen: (conflict) => conflict.kind !== 'missing' });
    await expect(vanished).rejects.toMatchObject({ kind: 'missing', message: "Job 'j1': missing" });
    expect(rounds).toEqual([1]);
  });
});
