import { systemDelays } from '../../../../shared/support/system-time';
import { runDeviceWindow } from '../../../../shared/jobs/engine/device-window';

async function* numbers(count: number): AsyncGenerator<number> {
  for (let i = 0; i < count; i += 1) {
    await Promise.resolve();
    yield i;
  }
}

const never = () => Promise.resolve(undefined);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('runDeviceWindow', () => {
  it('starts a new device as soon as any outstanding one ends (a sliding window, not waves)', async () => {
    // Device 0 ends only once device 5 has: with waves of 2, device 2 would wait for device 0 and the run would hang.
    // With a window the others flow past it. (No wall-clock race: a loaded machine cannot reorder it.)
    const events: string[] = [];
    let inFlight = 0;
    let most = 0;
    let lastEnded: () => void = () => undefined;
    const afterLast = new Promise<void>((resolve) => (lastEnded = resolve));
    const outcome = await runDeviceWindow({
      items: numbers(6),
      maxInFlight: 2,
      startUntil: Infinity,
      now: () => Date.now(),
      checkStop: never,
      stopCheckIntervalMs: 1000,
      every: systemDelays.every,
      run: async (i) => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        events.push(`start ${i}`);
        await (i === 0 ? afterLast : sleep(10));
        events.push(`end ${i}`);
        inFlight -= 1;
        if (i === 5) lastEnded();
      },
    });
    expect(outcome).toEqual({ started: 6 });
    expect(most).toBe(2);
    expect(events.indexOf('end 5')).toBeLessThan(events.indexOf('end 0'));
  });

  it('stops starting devices once the stop check says so; outstanding ones finish', async () => {
    let stop: 'cancelled' | undefined;
    const ended: number[] = [];
    const outcome = await runDeviceWindow({
      items: numbers(1000),
      maxInFlight: 3,
      startUntil: Infinity,
      now: () => Date.now(),
      checkStop: () => Promise.resolve(stop),
      stopCheckIntervalMs: 5,
      every: systemDelays.every,
      run: async (i) => {
        if (i === 10) stop = 'cancelled';
        await sleep(2);
        ended.push(i);
      },
    });
    expect(outcome.stoppedBy).toBe('cancelled');
    expect(outcome.started).toBeLessThan(1000);
    expect(ended).toHaveLength(outcome.started);
  });

  it('stops at the time budget', async () => {
    let clock = 0;
    const outcome = await runDeviceWindow({
      items: numbers(100),
      maxInFlight: 1,
      startUntil: 5,
      now: () => clock,
      checkStop: never,
      stopCheckIntervalMs: 1000,
      every: systemDelays.every,
      run: () => {
        clock += 1;
        return Promise.resolve();
      },
    });
    expect(outcome).toEqual({ stoppedBy: 'budget', started: 5 });
  });

  it('awaits the start gate before each start', async () => {
    const gateTimes: number[] = [];
    await runDeviceWindow({
      items: numbers(4),
      maxInFlight: 4,
      startUntil: Infinity,
      now: () => Date.now(),
      checkStop: never,
      stopCheckIntervalMs: 1000,
      every: systemDelays.every,
      beforeStart: async () => {
        gateTimes.push(Date.now());
        await sleep(20);
      },
      run: () => Promise.resolve(),
    });
    expect(gateTimes).toHaveLength(4);
    expect((gateTimes.at(-1) ?? 0) - (gateTimes[0] ?? 0)).toBeGreaterThanOrEqual(55);
  });

  it('a stop found while the start gate waits ends the wait (a slow rate never delays a cancel)', async () => {
    let stop: 'cancelled' | undefined;
    let gateCalls = 0;
    let gateTimer: NodeJS.Timeout | undefined;
    const began = Date.now();
    const outcome = await runDeviceWindow({
      items: numbers(10),
      maxInFlight: 10,
      startUntil: Infinity,
      now: () => Date.now(),
      checkStop: () => Promise.resolve(stop),
      stopCheckIntervalMs: 10,
      every: systemDelays.every,
      // One start a minute: the first at once, the next a minute later.
      beforeStart: () =>
        gateCalls++ === 0
          ? Promise.resolve()
          : new Promise((resolve) => (gateTimer = setTimeout(resolve, 60_000))),
      run: () => {
        stop = 'cancelled';
        return Promise.resolve();
      },
    });
    clearTimeout(gateTimer);
    expect(outcome).toEqual({ stoppedBy: 'cancelled', started: 1 });
    expect(Date.now() - began).toBeLessThan(5_000);
  });

  it('rethrows a failed run after the others ended, starting no more', async () => {
    const ended: number[] = [];
    await expect(
      runDeviceWindow({
        items: numbers(50),
        maxInFlight: 2,
        startUntil: Infinity,
        now: () => Date.now(),
        checkStop: never,
        stopCheckIntervalMs: 1000,
        every: systemDelays.every,
        run: async (i) => {
          await sleep(1);
          if (i === 3) throw new Error('storage unreachable');
          ended.push(i);
        },
      }),
    ).rejects.toThrow('storage unreachable');
    expect(ended.length).toBeLessThan(10);
  });
});
