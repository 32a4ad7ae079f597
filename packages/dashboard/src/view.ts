import type { DeviceJobsClient } from '@device-jobs/client';

/** What a page gets: the signed-in API and a way to announce things to screen readers and sighted users. */
export interface ViewContext {
  api: DeviceJobsClient;
  announce: (message: string) => void;
}

/** Renders a page into `main`; answers the function that stops its timers when the page is left. */
export type View = (main: HTMLElement, context: ViewContext, route: string[]) => () => void;

/**
 * Runs `tick` now and again after the delay `nextDelayMs()` answers after each tick (undefined: stop); never two
 * ticks at once. `refresh()` runs a tick now, or right after the one under way (and resumes polling).
 */
export class Poller {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private again = false;

  constructor(
    private readonly tick: () => Promise<void>,
    private readonly nextDelayMs: () => number | undefined,
  ) {}

  refresh(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.running) {
      // A tick is under way with what may be stale inputs (a filter just changed): tick again right after it.
      this.again = true;
      return this.running;
    }
    this.running = this.tick().finally(() => {
      this.running = undefined;
      if (this.stopped) return;
      if (this.again) {
        this.again = false;
        void this.refresh();
        return;
      }
      const delay = this.nextDelayMs();
      if (delay !== undefined) this.timer = setTimeout(() => void this.refresh(), delay);
    });
    return this.running;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
  }
}
