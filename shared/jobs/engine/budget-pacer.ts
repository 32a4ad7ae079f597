/** Longest single wait of a pacer before it looks at the share again (a raised share applies this soon). */
export const PACER_RECHECK_MS = 250;

/**
 * Time a pacer may catch up after its timer fired late (a busy event loop): calls it missed within this much are
 * made at once, so lag does not lower the rate; the burst stays under a quarter second of the share.
 */
export const PACER_CATCH_UP_MS = 250;

/**
 * Paces a job's device operations at a changing rate: one operation per `1 / rate` seconds, waiters served in
 * order. The schedule keeps to itself (the next slot is the previous slot + the interval) rather than to when a
 * timer fired, and lets at most {@link PACER_CATCH_UP_MS} (or one interval) of missed time be caught up.
 */
export function createBudgetPacer(options: {
  operationsPerSecond: () => number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}): () => Promise<void> {
  const waiting: (() => void)[] = [];
  let lastSlot: number | undefined;
  let pumping = false;
  const pump = async () => {
    pumping = true;
    try {
      while (waiting.length > 0) {
        const interval = 1000 / options.operationsPerSecond();
        const now = options.now();
        const slot =
          lastSlot === undefined
            ? now
            : Math.max(lastSlot + interval, now - Math.max(interval, PACER_CATCH_UP_MS));
        if (slot > now) {
          await options.sleep(Math.min(slot - now, PACER_RECHECK_MS));
          continue;
        }
        lastSlot = slot;
        waiting.shift()?.();
      }
    } finally {
      pumping = false;
    }
  };
  return () =>
    new Promise<void>((resolve) => {
      waiting.push(resolve);
      if (!pumping) void pump();
    });
}
