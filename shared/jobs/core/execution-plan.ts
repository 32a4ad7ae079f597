/** One shard of a job's devices, as the orchestration sees it: an index and a size, never device ids. */
export interface ShardDescriptor {
  shard: number;
  deviceCount: number;
}

/** Splits `deviceCount` devices, taken in order, into shards of `shardSize`. */
export function planShards(deviceCount: number, shardSize: number): ShardDescriptor[] {
  assertPositiveInteger('shardSize', shardSize);
  const shards: ShardDescriptor[] = [];
  for (let start = 0, shard = 0; start < deviceCount; start += shardSize, shard += 1) {
    shards.push({ shard, deviceCount: Math.min(shardSize, deviceCount - start) });
  }
  return shards;
}

/** The shard of the device at `position` (0-based) in target order. */
export function shardOf(position: number, shardSize: number): number {
  return Math.floor(position / shardSize);
}

/** Groups items into consecutive chunks of at most `size` (waves of shards, batches of rows). */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  assertPositiveInteger('size', size);
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

/** The instant a job must be finished by: its actual run start plus its maximum execution time. */
export function computeDeadline(runStartedTime: string | Date, maxExecutionTimeInSeconds: number): string {
  const start = typeof runStartedTime === 'string' ? Date.parse(runStartedTime) : runStartedTime.getTime();
  return new Date(start + maxExecutionTimeInSeconds * 1000).toISOString();
}

export function isPastDeadline(now: Date, deadline: string): boolean {
  return now.getTime() >= Date.parse(deadline);
}

function assertPositiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
}
