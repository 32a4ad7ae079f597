import { isDefined, waitFor } from '../../support/wait-for';

describe('waitFor', () => {
  it('reads until the value is accepted and returns it', async () => {
    let reads = 0;
    const value = await waitFor(
      'the third read',
      () => Promise.resolve((reads += 1) >= 3 ? `read ${reads}` : undefined),
      isDefined,
      { intervalMs: 1 },
    );
    expect(value).toBe('read 3');
    expect(reads).toBe(3);
  });

  it('fails after the timeout, naming what was awaited and the last value read', async () => {
    await expect(
      waitFor(
        'the job to finish',
        () => Promise.resolve({ status: 'running' }),
        (job) => job.status === 'done',
        {
          timeoutMs: 30,
          intervalMs: 5,
        },
      ),
    ).rejects.toThrow(
      'timed out after 30 ms waiting for the job to finish; last value: {"status":"running"}',
    );
  });
});
