import type { TwinWatchStore } from './ports';

/**
 * Whether any device has a watch, as a twin writer knows it: read at most once per `maxAgeMs` (one read at a
 * time), so a writer skips the read of each device's watches while no job waits on any twin. The read that
 * answered was started at most `maxAgeMs` before; a read that fails answers "maybe" (each device is looked at).
 */
export class WatchPresence {
  private known: { present: boolean; at: number } | undefined;
  private reading: Promise<boolean> | undefined;

  constructor(
    private readonly store: Pick<TwinWatchStore, 'anyWatches'>,
    private readonly now: () => number,
    private readonly maxAgeMs: number,
  ) {}

  async anyWatches(): Promise<boolean> {
    const known = this.known;
    if (known && this.now() - known.at < this.maxAgeMs) return known.present;
    this.reading ??= this.read().finally(() => (this.reading = undefined));
    return this.reading;
  }

  private async read(): Promise<boolean> {
    const at = this.now();
    try {
      const present = await this.store.anyWatches();
      this.known = { present, at };
      return present;
    } catch {
      return true;
    }
  }
}
