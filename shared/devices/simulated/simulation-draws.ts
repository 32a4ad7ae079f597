import { createHash, randomBytes } from 'node:crypto';

/**
 * Uniform draws in [0, 1) for one simulated event. With a seed they derive from a hash of the seed and the
 * event's identity (device, method, payload…), so the same call gets the same outcome in any order and in any
 * process; without a seed they are random.
 */
export function drawsFor(seed: string | undefined, ...identity: string[]): [number, number] {
  const bytes =
    seed === undefined
      ? randomBytes(8)
      : createHash('sha256')
          .update(JSON.stringify([seed, ...identity]))
          .digest();
  return [bytes.readUInt32BE(0) / 2 ** 32, bytes.readUInt32BE(4) / 2 ** 32];
}

/** A latency from a fixed value or an inclusive range, using a draw in [0, 1). */
export function latencyFrom(latencyMs: number | [number, number] | undefined, draw: number): number {
  if (latencyMs === undefined) return 0;
  if (typeof latencyMs === 'number') return latencyMs;
  const [min, max] = latencyMs;
  return Math.round(min + draw * (max - min));
}
