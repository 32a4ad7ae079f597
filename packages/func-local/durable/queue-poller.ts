const FIRST_ERROR_DELAY_MS = 500;
const MAX_ERROR_DELAY_MS = 5_000;

/**
 * Polls one queue in a loop: calls `poll` while it finds messages, backs off exponentially up to
 * `maxIntervalMs` while the queue is empty, and polls at once when woken (a message was just sent locally).
 * Failed polls back off from 0.5 s to 5 s, so a storage outage costs little and recovery takes seconds.
 */
export class QueuePoller {
  private stopped = false;
  private wakeUp: (() => void) | undefined;
  private woken = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly poll: () => Promise<number>,
    private readonly maxIntervalMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): void {
    this.loop = this.run();
  }

  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.loop;
  }

  private async run(): Promise<void> {
    let interval = 10;
    let errorDelay = 0;
    while (!this.stopped) {
      let found = 0;
      this.woken = false;
      try {
        found = await this.poll();
        errorDelay = 0;
      } catch (error: unknown) {
        if (this.stopped) return;
        this.onError(error);
        errorDelay = Math.min(MAX_ERROR_DELAY_MS, errorDelay === 0 ? FIRST_ERROR_DELAY_MS : errorDelay * 2);
        interval = Math.max(errorDelay, this.maxIntervalMs);
      }
      if (errorDelay === 0 && (found > 0 || this.woken)) {
        interval = 10;
        continue;
      }
      await this.pause(interval);
      if (errorDelay === 0) interval = Math.min(interval * 2, this.maxIntervalMs);
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = undefined;
        done();
      };
    });
  }
}

/**
 * A counting gate: `acquire` waits until fewer than `limit` holders are inside. A released place goes straight to
 * the longest waiter, so `free > 0` means nobody waits.
 */
export class Gate {
  private inside = 0;
  private readonly queue: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  get free(): number {
    return this.limit - this.inside;
  }

  /** Holders queued for a place. */
  get waiting(): number {
    return this.queue.length;
  }

  async acquire(): Promise<void> {
    if (this.inside < this.limit) {
      this.inside++;
      return;
    }
    await new Promise<void>((resolve) => this.queue.push(resolve));
  }

  release(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.inside--;
  }
}
