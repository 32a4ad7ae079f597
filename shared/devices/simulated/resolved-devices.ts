import type { StoredDevice } from '../ports';

export interface ResolvedDevicesOptions {
  /** Most devices kept; the oldest go first (a miss only costs the point read it would have cost anyway). */
  maxEntries: number;
  /**
   * A device kept longer than this is read again before a method call, which acts on the state as kept. An
   * etag-checked write takes a kept device whatever its age (see {@link ResolvedDevices.takeForWrite}).
   */
  maxAgeMs: number;
  now: () => number;
}

export const DEFAULT_RESOLVED_DEVICES_OPTIONS: Omit<ResolvedDevicesOptions, 'now'> = {
  maxEntries: 5_000,
  maxAgeMs: 15_000,
};

/**
 * Devices a job's target query has just read, kept until the job's call to each takes them (once), so a call
 * needs no second read of the same row. A method call's device state is at most `maxAgeMs` old; a twin write
 * checks the storage etag, so a device changed meanwhile is read again before it is written, and takes the kept
 * row at any age (a slow job would otherwise read every device a second time).
 */
export class ResolvedDevices {
  private readonly entries = new Map<string, { stored: StoredDevice; at: number }>();

  constructor(private readonly options: ResolvedDevicesOptions) {}

  keep(stored: StoredDevice): void {
    const { deviceId } = stored.record;
    this.entries.delete(deviceId);
    this.entries.set(deviceId, { stored, at: this.options.now() });
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.options.maxEntries) break;
      this.entries.delete(oldest);
    }
  }

  /** The kept device (forgotten by taking it), unless it is too old or was never kept. */
  take(deviceId: string): StoredDevice | undefined {
    const entry = this.entries.get(deviceId);
    if (!entry) return undefined;
    this.entries.delete(deviceId);
    return this.options.now() - entry.at <= this.options.maxAgeMs ? entry.stored : undefined;
  }

  /** The kept device at any age (forgotten by taking it), for a write that checks its storage etag. */
  takeForWrite(deviceId: string): StoredDevice | undefined {
    const entry = this.entries.get(deviceId);
    this.entries.delete(deviceId);
    return entry?.stored;
  }
}
