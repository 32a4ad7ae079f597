import type { DeviceJobStatistics, DeviceJobStatus } from './job-model';

/** Counters of one shard, stored as one row so that each update replaces them together. */
export interface ShardCounters {
  pending: number;
  running: number;
  succeeded: number;
  failed: number;
  canceled: number;
}

export const EMPTY_SHARD_COUNTERS: ShardCounters = {
  pending: 0,
  running: 0,
  succeeded: 0,
  failed: 0,
  canceled: 0,
};

/** Counts a shard's device statuses; `pending` and `scheduled` both count as pending. */
export function countDeviceStatuses(statuses: Iterable<DeviceJobStatus>): ShardCounters {
  const counters = { ...EMPTY_SHARD_COUNTERS };
  for (const status of statuses) {
    if (status === 'pending' || status === 'scheduled') counters.pending += 1;
    else if (status === 'running') counters.running += 1;
    else if (status === 'completed') counters.succeeded += 1;
    else if (status === 'failed') counters.failed += 1;
    else counters.canceled += 1;
  }
  return counters;
}

/**
 * Sums shard counters into IoT Hub's statistics. `deviceJobStatistics` has no canceled count: canceled devices
 * count as failed (they did not succeed), so `deviceCount` is always the sum of the four reported counts.
 */
export function aggregateStatistics(shards: Iterable<ShardCounters>): DeviceJobStatistics {
  const total = { ...EMPTY_SHARD_COUNTERS };
  for (const shard of shards) {
    total.pending += shard.pending;
    total.running += shard.running;
    total.succeeded += shard.succeeded;
    total.failed += shard.failed;
    total.canceled += shard.canceled;
  }
  const failedCount = total.failed + total.canceled;
  return {
    deviceCount: total.pending + total.running + total.succeeded + failedCount,
    failedCount,
    succeededCount: total.succeeded,
    runningCount: total.running,
    pendingCount: total.pending,
  };
}
