/** How long a query may compute without giving the event loop a turn (ms). */
export const DEFAULT_SLICE_MS = 10;

/**
 * Cuts long synchronous work (evaluating a query over thousands of documents) into slices of about `sliceMs`: call
 * `await slices.checkpoint()` between items; once a slice is used up it waits for one event-loop turn, so requests
 * and timers that arrived meanwhile run before the work goes on. A checkpoint inside a slice costs a clock read.
 */
export class WorkSlices {
  private sliceStart = performance.now();

  constructor(private readonly sliceMs = DEFAULT_SLICE_MS) {}

  async checkpoint(): Promise<void> {
    if (performance.now() - this.sliceStart < this.sliceMs) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.sliceStart = performance.now();
  }
}
