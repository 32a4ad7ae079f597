import type { Delays } from '../core/ports';
import { Semaphore } from './semaphore';

/**
 * A sliding window over a job's devices: a new device starts as soon as any outstanding one ends, so a job runs
 * at `maxInFlight ÷ latency` devices per second instead of in waves that wait for their slowest device. Stop
 * conditions (cancel, pause, deadline, abort) are checked on a timer, not per device; the time budget is checked before
 * each start. The caller decides what a device's run does (its attempts, its result) in `run`.
 */

/** Why a window stopped starting devices before its items ran out. */
export type WindowStop =
  'cancelled' | 'paused' | 'deadline' | 'aborted' | 'wave' | 'maintenanceWindow' | 'budget';

export interface DeviceWindowOptions<T> {
  /** The devices, in order; read lazily (the window never holds more than it runs). */
  items: AsyncIterable<T>;
  /** Most runs outstanding at once (`JOB_MAX_DEVICES_IN_FLIGHT` or a job's own limit). */
  maxInFlight: number;
  /** Epoch ms after which no run starts (the activity's time budget); outstanding runs finish. */
  startUntil: number;
  now: () => number;
  /** Runs the stop checks' timer. */
  every: Delays['every'];
  /** Polled every `stopCheckIntervalMs` while the window runs; a reason stops new starts. */
  checkStop: () => Promise<Exclude<WindowStop, 'budget'> | undefined>;
  stopCheckIntervalMs: number;
  /** Checked before each start, synchronously (in-memory figures such as abort criteria): a reason stops starts. */
  stopBeforeStart?: () => Exclude<WindowStop, 'budget'> | undefined;
  /** Extension point: awaited before each start (e.g. a start-rate gate). It may wait; it must not throw. */
  beforeStart?: () => Promise<void>;
  /** One device's whole run. Device failures are results; a throw (storage lost) stops the window and rethrows. */
  run: (item: T) => Promise<void>;
}

export interface DeviceWindowOutcome {
  /** Set when the window stopped before its items ran out. */
  stoppedBy?: WindowStop;
  started: number;
}

export async function runDeviceWindow<T>(options: DeviceWindowOptions<T>): Promise<DeviceWindowOutcome> {
  const slots = new Semaphore(Math.max(1, options.maxInFlight));
  const outstanding = new Set<Promise<void>>();
  let stoppedBy: WindowStop | undefined;
  let failure: { error: unknown } | undefined;
  let checking = false;
  // A start gate may wait a long time (one start a minute); a stop found meanwhile must not wait for it.
  let wakeOnStop: () => void = () => undefined;
  const stopFound = new Promise<void>((resolve) => (wakeOnStop = resolve));
  const poll = async () => {
    if (checking || stoppedBy) return;
    checking = true;
    try {
      stoppedBy ??= await options.checkStop();
      if (stoppedBy) wakeOnStop();
    } catch {
      // A failed check (storage hiccup) is retried at the next tick; it never stops the work by itself.
    } finally {
      checking = false;
    }
  };
  const stopPolling = options.every(options.stopCheckIntervalMs, () => void poll());
  const iterator = options.items[Symbol.asyncIterator]();
  let started = 0;
  try {
    await poll();
    for (;;) {
      await slots.take();
      stoppedBy ??= options.stopBeforeStart?.();
      if (!stoppedBy && options.now() >= options.startUntil) stoppedBy = 'budget';
      if (stoppedBy || failure) {
        slots.give();
        break;
      }
      const next = await iterator.next();
      if (next.done) {
        slots.give();
        break;
      }
      if (options.beforeStart) await Promise.race([options.beforeStart(), stopFound]);
      stoppedBy ??= options.stopBeforeStart?.();
      if (stoppedBy) {
        slots.give();
        break;
      }
      started += 1;
      const running = options
        .run(next.value)
        .catch((error: unknown) => {
          failure ??= { error };
        })
        .finally(() => {
          outstanding.delete(running);
          slots.give();
        });
      outstanding.add(running);
    }
  } finally {
    // Every started run ends before the window does, whatever stopped it.
    await Promise.allSettled(outstanding);
    stopPolling();
    await iterator.return?.();
  }
  if (failure) throw failure.error;
  return stoppedBy ? { stoppedBy, started } : { started };
}
