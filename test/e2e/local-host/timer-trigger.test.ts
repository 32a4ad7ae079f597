import path from 'node:path';
import { startHostProcess, type HostProcess } from '../../support/local-host-process';

const APP = path.resolve(__dirname, '../../fixtures/timer-app');

interface TimerArgument {
  isPastDue: boolean;
  schedule?: Record<string, unknown>;
  scheduleStatus: { last: string; next: string; lastUpdated: string } | null;
}
interface Seen {
  everySecond: { at: number; timer: TimerArgument }[];
  onStartup: { at: number; timer: TimerArgument }[];
  failing: { at: number; timer: TimerArgument }[];
  interval: { at: number; timer: TimerArgument }[];
  slow: { starts: number[]; running: number; peak: number };
}

describe('func-local: timer triggers', () => {
  let host: HostProcess;
  let seen: Seen;
  let readyAt: number;

  beforeAll(async () => {
    host = await startHostProcess({ appDir: APP, env: { FAILING_SCHEDULE: '*/2 * * * * *' } });
    readyAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 4_500));
    seen = (await (await fetch(`${host.baseUrl}/api/seen`)).json()) as Seen;
  }, 60_000);

  afterAll(async () => {
    await host?.stop();
  });

  it('lists timer functions with their trigger type', () => {
    expect(host.output).toContain('  everySecond: timerTrigger');
  });

  it('fires a six-field schedule every second, with the Timer argument the worker builds', () => {
    const ticks = seen.everySecond;
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    expect(ticks.length).toBeLessThanOrEqual(6);
    const gaps = ticks.slice(1).map((tick, i) => tick.at - (ticks[i]?.at ?? 0));
    for (const gap of gaps) {
      expect(gap).toBeGreaterThan(700);
      expect(gap).toBeLessThan(1_800);
    }
    const [first, second] = ticks;
    expect(first?.timer).toEqual({
      isPastDue: false,
      schedule: { adjustForDST: true },
      scheduleStatus: null,
    });
    expect(second?.timer.isPastDue).toBe(false);
    const status = second?.timer.scheduleStatus;
    expect(new Date(status?.next ?? '').getTime() - new Date(status?.last ?? '').getTime()).toBe(1_000);
    expect(new Date(status?.next ?? '').getMilliseconds()).toBe(0);
    expect(host.output.some((line) => /everySecond: tick 2$/.test(line))).toBe(true);
  });

  it('runs a runOnStartup timer once at start even though its schedule is a year away', () => {
    expect(seen.onStartup).toHaveLength(1);
    expect(seen.onStartup[0]?.at).toBeLessThanOrEqual(readyAt + 1_000);
  });

  it('expands %SETTING% in schedules, logs a throwing timer and keeps firing it', async () => {
    expect(seen.failing.length).toBeGreaterThanOrEqual(2);
    await host.waitForOutput(
      /failing: Executed 'Functions.failing' \(Failed\): Error: timer failure 2/,
      2_000,
    );
  });

  it('never overlaps a timer with itself: the next occurrence is armed when an invocation ends', () => {
    const { starts, peak } = seen.slow;
    expect(starts.length).toBeGreaterThanOrEqual(2);
    expect(starts.length).toBeLessThanOrEqual(3);
    expect(peak).toBe(1);
    for (const [i, start] of starts.slice(1).entries()) {
      expect(start - (starts[i] ?? 0)).toBeGreaterThanOrEqual(1_500);
    }
  });

  it('fires a TimeSpan schedule at its interval', () => {
    expect(seen.interval.length).toBeGreaterThanOrEqual(1);
    expect(seen.interval.length).toBeLessThanOrEqual(3);
    expect(seen.interval[0]?.at).toBeGreaterThanOrEqual(readyAt + 1_000);
  });
});
