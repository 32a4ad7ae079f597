/** Why a conditional write was refused: the row changed since it was read, vanished, or (an insert) exists. */
export type ConflictKind = 'changed' | 'missing' | 'exists';

/**
 * The one conflict error of every store (jobs, schedules, the device registry, import/export jobs): a conditional
 * write was refused because another writer got there first. {@link retryOnConflict} reads again and retries. It is
 * no wire error: a caller's own stale etag is `PreconditionFailed` (412); a conflict between the service's own
 * writers that outlasts its retries is internal (500 with a tracking id).
 */
export class ConcurrencyConflictError extends Error {
  override name = 'ConcurrencyConflictError';
  constructor(
    /** What was written, as a message names it: `Job 'j1'`, `Device d1`. */
    readonly subject: string,
    readonly kind: ConflictKind = 'changed',
  ) {
    super(kind === 'changed' ? `${subject} was changed concurrently.` : `${subject}: ${kind}`);
  }
}

/**
 * Optimistic concurrency: runs `attempt` (read, decide, conditional write) again on fresh data while it fails with
 * a {@link ConcurrencyConflictError}, at most `maxAttempts` times (default: until it succeeds; each conflict means
 * another writer succeeded, so the loop ends). Any other error, or the last conflict, is thrown.
 */
export async function retryOnConflict<T>(
  attempt: (round: number) => Promise<T>,
  options: { maxAttempts?: number; retryWhen?: (conflict: ConcurrencyConflictError) => boolean } = {},
): Promise<T> {
  const { maxAttempts = Infinity, retryWhen = () => true } = options;
  for (let round = 1; ; round += 1) {
    try {
      return await attempt(round);
    } catch (error: unknown) {
      if (!(error instanceof ConcurrencyConflictError) || round >= maxAttempts || !retryWhen(error))
        throw error;
    }
  }
}
