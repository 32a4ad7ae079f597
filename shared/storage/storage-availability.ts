import type { TableServiceClientOptions } from '@azure/data-tables';
import { WireError } from '../iothub-rules';

type PipelinePolicy = NonNullable<TableServiceClientOptions['additionalPolicies']>[number]['policy'];

/** Seconds a caller is asked to wait (`Retry-After`) when storage cannot be reached. */
export const STORAGE_RETRY_AFTER_SECONDS = 5;

/**
 * Storage could not be reached (no HTTP answer) or answered that it is busy, after the client's own short retries.
 * Carries IoT Hub's `ServiceUnavailable` code, so the HTTP layer answers 503 with `Retry-After`.
 */
export class StorageUnavailableError extends WireError {
  override name = 'StorageUnavailableError';
  readonly code = 'ServiceUnavailable';
  readonly status = 503;
  override readonly retryAfterSeconds = STORAGE_RETRY_AFTER_SECONDS;

  constructor(detail: string, cause?: unknown) {
    super(`Storage is unreachable (${detail}): the request was not carried out. Retry later.`, { cause });
  }
}

function fieldOf(error: unknown, name: 'code' | 'statusCode' | 'name'): unknown {
  return typeof error === 'object' && error !== null ? (error as Record<string, unknown>)[name] : undefined;
}

/** The storage failure an SDK error stands for, when it says storage is unreachable or busy. */
export function storageUnavailability(error: unknown): StorageUnavailableError | undefined {
  if (error instanceof StorageUnavailableError) return error;
  if (fieldOf(error, 'name') !== 'RestError') return undefined;
  const status = fieldOf(error, 'statusCode');
  if (status === undefined) {
    const code = fieldOf(error, 'code');
    return new StorageUnavailableError(typeof code === 'string' ? code : 'no answer', error);
  }
  if (status === 503) return new StorageUnavailableError('the account is busy', error);
  return undefined;
}

/** Turns "storage unreachable" failures (after the retry policy gave up) into {@link StorageUnavailableError}. */
const unavailabilityPolicy: PipelinePolicy = {
  name: 'storageUnavailability',
  async sendRequest(request, next) {
    try {
      return await next(request);
    } catch (error: unknown) {
      throw storageUnavailability(error) ?? error;
    }
  },
};

/**
 * Retry and error options of every table client of the app: short retries, so a request meets an outage with a
 * prompt 503 (within about a second) rather than a 500 after the SDK's default back-off of several seconds.
 * Background work does not lose by it: durable activities are retried by their orchestration.
 */
export const OUTAGE_CLIENT_OPTIONS = {
  retryOptions: { maxRetries: 2, retryDelayInMs: 200, maxRetryDelayInMs: 1000 },
  additionalPolicies: [{ policy: unavailabilityPolicy, position: 'perCall' }],
} as const satisfies TableServiceClientOptions;
