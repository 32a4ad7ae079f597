import type { Clock, Delays, IdGenerator } from '../jobs/core/ports';
import { randomUUID } from 'node:crypto';

/** The system clock. */
export const systemClock: Clock = { now: () => new Date() };

/** System timers behind the {@link Delays} port. */
export const systemDelays: Delays = {
  sleep: (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
  after(ms, fire) {
    const timer = setTimeout(fire, ms);
    return () => clearTimeout(timer);
  },
  every(ms, tick) {
    const timer = setInterval(tick, ms);
    return () => clearInterval(timer);
  },
};

/** Random UUIDs. */
export const uuids: IdGenerator = { newId: () => randomUUID() };
