import { ServiceUnavailableError, ThrottlingError } from '../../http';

export interface RetryOptions {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  sleep: (ms: number) => Promise<void>;
  /** Uniform draw in [0, 1) for jitter. */
  random: () => number;
}

export const DEFAULT_RETRY: RetryOptions = {
  maxAttempts: 5,
  baseDelayMs: 250,
  maxDelayMs: 10_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

/** The longest Retry-After the gateway honours, so a hub cannot park a job for long. */
const MAX_RETRY_AFTER_MS = 60_000;

/** How long to wait before attempt `attempt + 1`: Retry-After when the hub gave one, else exponential with jitter. */
export function retryDelay(error: unknown, attempt: number, options: RetryOptions): number {
  if (error instanceof ThrottlingError && error.retryAfterSeconds !== undefined) {
    return Math.min(error.retryAfterSeconds * 1000, MAX_RETRY_AFTER_MS);
  }
  const exponential = Math.min(options.baseDelayMs * 2 ** (attempt - 1), options.maxDelayMs);
  return Math.round(exponential / 2 + (options.random() * exponential) / 2);
}

/** Retries an operation on throttling (429) and unavailability (503), giving up after `maxAttempts`. */
export async function withRetry<T>(
  operation: () => Promise<T>,
  options: RetryOptions = DEFAULT_RETRY,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error: unknown) {
      const retryable = error instanceof ThrottlingError || error instanceof ServiceUnavailableError;
      if (!retryable || attempt >= options.maxAttempts) throw error;
      await options.sleep(retryDelay(error, attempt, options));
    }
  }
}
