/**
 * Polls one queue in a loop: calls `poll` while it finds messages, backs off exponentially up to
 * `maxIntervalMs` while the queue is empty, and polls at once when woken (a message was just sent locally).
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
    while (!this.stopped) {
      let found = 0;
      this.woken = false;
      try {
        found = await this.poll();
      } catch (error: unknown) {
        if (this.stopped) return;
        this.onError(error);
        interval = this.maxIntervalMs;
      }
      if (found > 0 || this.woken) {
        interval = 10;
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, interval);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.wakeUp = () => {
          this.wakeUp = undefined;
          done();
        };
      });
      interval = Math.min(interval * 2, this.maxIntervalMs);
    }
  }
}

/** A counting gate: `acquire` waits until fewer than `limit` holders are inside. */
export class Gate {
  private inside = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  get free(): number {
    return this.limit - this.inside;
  }

  async acquire(): Promise<void> {
    if (this.inside < this.limit) {
      this.inside++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.inside++;
  }

  release(): void {
    this.inside--;
    this.waiting.shift()?.();
  }
}
