import {
  chunk,
  computeDeadline,
  isPastDeadline,
  planShards,
  shardOf,
} from '../../../../shared/jobs/core/execution-plan';
import { aggregateStatistics, countDeviceStatuses } from '../../../../shared/jobs/core/job-statistics';

describe('statistics', () => {
  it('counts device statuses per shard, scheduled as pending', () => {
    expect(
      countDeviceStatuses([
        'pending',
        'scheduled',
        'running',
        'completed',
        'completed',
        'failed',
        'canceled',
      ]),
    ).toEqual({
      pending: 2,
      running: 1,
      succeeded: 2,
      failed: 1,
      canceled: 1,
    });
  });

  it('sums shards and counts canceled devices as failed, deviceCount being the sum of the others', () => {
    const stats = aggregateStatistics([
      { pending: 3, running: 2, succeeded: 10, failed: 1, canceled: 0 },
      { pending: 0, running: 0, succeeded: 4, failed: 2, canceled: 5 },
    ]);
    expect(stats).toEqual({
      deviceCount: 27,
      failedCount: 8,
      succeededCount: 14,
      runningCount: 2,
      pendingCount: 3,
    });
    expect(stats.deviceCount).toBe(
      stats.failedCount + stats.succeededCount + stats.runningCount + stats.pendingCount,
    );
  });

  it('answers zeros for a job without shards', () => {
    expect(aggregateStatistics([])).toEqual({
      deviceCount: 0,
      failedCount: 0,
      succeededCount: 0,
      runningCount: 0,
      pendingCount: 0,
    });
  });
});

describe('shard planning', () => {
  it('splits devices into full shards and a remainder', () => {
    expect(planShards(250, 100)).toEqual([
      { shard: 0, deviceCount: 100 },
      { shard: 1, deviceCount: 100 },
      { shard: 2, deviceCount: 50 },
    ]);
    expect(planShards(0, 100)).toEqual([]);
    expect(planShards(100_000, 500)).toHaveLength(200);
  });

  it('places positions in the shard planShards sized for them', () => {
    const shards = planShards(1001, 100);
    const counts = new Map<number, number>();
    for (let position = 0; position < 1001; position += 1) {
      const shard = shardOf(position, 100);
      counts.set(shard, (counts.get(shard) ?? 0) + 1);
    }
    expect(shards.map((s) => s.deviceCount)).toEqual(shards.map((s) => counts.get(s.shard)));
  });

  it('refuses a shard size that is not a positive integer', () => {
    expect(() => planShards(10, 0)).toThrow(RangeError);
    expect(() => chunk([1], 1.5)).toThrow(RangeError);
  });

  it('chunks items in order', () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
  });
});

describe('deadline', () => {
  it('counts from the actual start', () => {
    expect(computeDeadline('2026-11-26T06:00:00.000Z', 90)).toBe('2026-11-26T06:01:30.000Z');
    expect(computeDeadline(new Date('2026-11-26T06:00:00.000Z'), 3600)).toBe('2026-11-26T07:00:00.000Z');
  });

  it('is past at and after the deadline instant', () => {
    const deadline = '2026-11-26T06:01:30.000Z';
    expect(isPastDeadline(new Date('2026-11-26T06:01:29.999Z'), deadline)).toBe(false);
    expect(isPastDeadline(new Date('2026-11-26T06:01:30.000Z'), deadline)).toBe(true);
  });
});
