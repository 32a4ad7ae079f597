/** Devices finished per second over a recent window, and the time the rest will take at that pace. */
export class ThroughputMeter {
  private samples: { at: number; finished: number }[] = [];

  constructor(private readonly windowMs = 15_000) {}

  add(at: number, finished: number): void {
    this.samples.push({ at, finished });
    const oldest = at - this.windowMs;
    // Keep one sample at or before the window's start so the rate spans the whole window.
    while (this.samples.length > 2 && (this.samples[1]?.at ?? at) <= oldest) this.samples.shift();
  }

  /** Devices per second; undefined until two samples a moment apart exist. */
  rate(): number | undefined {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.at - first.at < 250) return undefined;
    return (last.finished - first.finished) / ((last.at - first.at) / 1000);
  }

  /** Seconds until `remaining` more devices finish at the current rate; undefined when nothing moves. */
  eta(remaining: number): number | undefined {
    if (remaining <= 0) return 0;
    const rate = this.rate();
    return rate !== undefined && rate > 0 ? remaining / rate : undefined;
  }
}
