/**
 * Maps `read` over the items of `source` in order, keeping up to `ahead` reads in flight beyond the one the
 * consumer waits for, so that a stream of point reads never drains between batches. Items are pulled from `source`
 * only as reads start: a consumer that stops early leaves at most `ahead` reads (and one pull) wasted. A failed
 * read rejects when the consumer reaches it; reads still in flight when it stops are left to settle unobserved.
 */
export async function* readAhead<T, R>(
  source: AsyncIterable<T> | Iterable<T>,
  read: (item: T) => Promise<R>,
  ahead: number,
): AsyncGenerator<{ item: T; value: R }> {
  const items = toAsyncIterator(source);
  const pending: { item: T; value: Promise<R> }[] = [];
  let exhausted = false;
  try {
    for (;;) {
      while (!exhausted && pending.length <= ahead) {
        const next = await items.next();
        if (next.done) {
          exhausted = true;
          break;
        }
        const value = read(next.value);
        // Marked handled now: a rejection is thrown where the consumer awaits it, not reported as unhandled.
        value.catch(() => undefined);
        pending.push({ item: next.value, value });
      }
      const first = pending.shift();
      if (!first) return;
      yield { item: first.item, value: await first.value };
    }
  } finally {
    if (!exhausted) await items.return?.();
  }
}

function toAsyncIterator<T>(source: AsyncIterable<T> | Iterable<T>): AsyncIterator<T> {
  if (Symbol.asyncIterator in source) return source[Symbol.asyncIterator]();
  const iterator = source[Symbol.iterator]();
  return { next: () => Promise.resolve(iterator.next()) };
}
