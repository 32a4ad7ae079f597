import type { SubscriptionKind } from './topics';

/** What the registry of live connections needs of a session. */
export interface LiveSession {
  readonly deviceId: string;
  readonly subscriptions: ReadonlySet<SubscriptionKind>;
  /** Ends the connection (a newer one of the same device replaced it, or the endpoint stops). */
  close(reason: string): void;
}

interface Waiter<S> {
  ready: (session: S) => boolean;
  resolve: (session: S | undefined) => void;
  timer: NodeJS.Timeout;
}

/**
 * The endpoint's live connections, one per device id (a newer connection closes the older: IoT Hub's rule), the
 * subscriptions a device keeps across reconnects (MQTT CleanSession 0: the Node SDK does not subscribe again
 * after renewing its token), and calls waiting for a device to connect.
 */
export class Connections<S extends LiveSession> {
  private readonly live = new Map<string, S>();
  private readonly kept = new Map<string, Set<SubscriptionKind>>();
  private readonly waiters = new Map<string, Set<Waiter<S>>>();

  get size(): number {
    return this.live.size;
  }

  get(deviceId: string): S | undefined {
    return this.live.get(deviceId);
  }

  all(): S[] {
    return [...this.live.values()];
  }

  /**
   * The subscriptions a new session of the device starts with: those kept from its last session unless it asks
   * for a clean session. `present` tells the client (CONNACK session present).
   */
  sessionFor(deviceId: string, clean: boolean): { subscriptions: Set<SubscriptionKind>; present: boolean } {
    if (clean) this.kept.delete(deviceId);
    let subscriptions = this.kept.get(deviceId);
    const present = subscriptions !== undefined;
    if (!subscriptions) {
      subscriptions = new Set();
      if (!clean) this.kept.set(deviceId, subscriptions);
    }
    return { subscriptions, present };
  }

  /** Makes `session` the device's connection, closing the one it replaces. */
  attach(session: S): void {
    const previous = this.live.get(session.deviceId);
    this.live.set(session.deviceId, session);
    if (previous && previous !== session) previous.close('replaced by a new connection of the device');
    this.changed(session);
  }

  detach(session: S): void {
    if (this.live.get(session.deviceId) === session) this.live.delete(session.deviceId);
  }

  /** Wakes the calls waiting for this device (it connected, or subscribed to more). */
  changed(session: S): void {
    const waiting = this.waiters.get(session.deviceId);
    if (!waiting || this.live.get(session.deviceId) !== session) return;
    for (const waiter of waiting) {
      if (!waiter.ready(session)) continue;
      waiting.delete(waiter);
      clearTimeout(waiter.timer);
      waiter.resolve(session);
    }
    if (waiting.size === 0) this.waiters.delete(session.deviceId);
  }

  /** The device's session once `ready` holds for it, waiting up to `timeoutMs`; undefined if it never does. */
  waitFor(deviceId: string, ready: (session: S) => boolean, timeoutMs: number): Promise<S | undefined> {
    const current = this.live.get(deviceId);
    if (current && ready(current)) return Promise.resolve(current);
    if (timeoutMs <= 0) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      let waiting = this.waiters.get(deviceId);
      if (!waiting) this.waiters.set(deviceId, (waiting = new Set()));
      const set = waiting;
      const waiter: Waiter<S> = {
        ready,
        resolve,
        timer: setTimeout(() => {
          set.delete(waiter);
          if (set.size === 0) this.waiters.delete(deviceId);
          resolve(undefined);
        }, timeoutMs),
      };
      set.add(waiter);
    });
  }
}
