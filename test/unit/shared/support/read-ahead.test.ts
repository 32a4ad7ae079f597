import { readAhead } from '../../../../shared/support/read-ahead';

/** A read whose answers the test releases by hand, recording which items were asked for. */
function manualReads() {
  const started: number[] = [];
  const answers = new Map<number, (value: string) => void>();
  const failures = new Map<number, (error: Error) => void>();
  const read = (item: number) => {
    started.push(item);
    return new Promise<string>((resolve, reject) => {
      answers.set(item, resolve);
      failures.set(item, reject);
    });
  };
  return { started, read, answer: (item: number) => answers.get(item)?.(`value-${item}`), failures };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('readAhead', () => {
  it('yields in the order of the source whatever order the reads answer in', async () => {
    const reads = manualReads();
    const values: string[] = [];
    const done = (async () => {
      for await (const { item, value } of readAhead([1, 2, 3, 4], reads.read, 8))
        values.push(`${item}:${value}`);
    })();
    await tick();
    for (const item of [4, 2, 3, 1]) reads.answer(item);
    await done;
    expect(values).toEqual(['1:value-1', '2:value-2', '3:value-3', '4:value-4']);
  });

  it('keeps `ahead` reads in flight beyond the awaited one, and starts no more until one is taken', async () => {
    const reads = manualReads();
    const source = Array.from({ length: 10 }, (_, i) => i);
    const iterator = readAhead(source, reads.read, 3);
    const first = iterator.next();
    await tick();
    expect(reads.started).toEqual([0, 1, 2, 3]);
    reads.answer(1);
    await tick();
    expect(reads.started).toEqual([0, 1, 2, 3]);
    reads.answer(0);
    expect((await first).value).toEqual({ item: 0, value: 'value-0' });
    const second = await iterator.next();
    expect(second.value).toEqual({ item: 1, value: 'value-1' });
    expect(reads.started).toEqual([0, 1, 2, 3, 4]);
    await iterator.return(undefined);
  });

  it('pulls an async source only as reads start, and closes it when the consumer stops', async () => {
    const reads = manualReads();
    let pulled = 0;
    let closed = false;
    const source = (async function* () {
      try {
        for (let i = 0; i < 100; i += 1) {
          pulled += 1;
          yield await Promise.resolve(i);
        }
      } finally {
        closed = true;
      }
    })();
    const iterator = readAhead(source, reads.read, 2);
    const first = iterator.next();
    await tick();
    reads.answer(0);
    await first;
    await iterator.return(undefined);
    expect(pulled).toBeLessThanOrEqual(4);
    expect(closed).toBe(true);
  });

  it('rejects where the consumer reaches a failed read, without an unhandled rejection for later ones', async () => {
    const reads = manualReads();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const iterator = readAhead([1, 2, 3], reads.read, 4);
      const first = iterator.next();
      await tick();
      reads.failures.get(3)?.(new Error('read 3 failed'));
      reads.failures.get(1)?.(new Error('read 1 failed'));
      await expect(first).rejects.toThrow('read 1 failed');
      await tick();
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
