import type { IotHubErrorCode } from '@device-jobs/client/contract';

export type { IotHubErrorCode } from '@device-jobs/client/contract';

/**
 * Base of every error the API answers with its own code and message (IoT Hub's error format). Only these reach
 * the wire: any other error is answered as a 500 `ServerError` with a tracking id and no internal message. Domains
 * extend it without depending on the HTTP layer.
 */
export abstract class WireError extends Error {
  abstract readonly code: IotHubErrorCode;
  /** The HTTP status when it is not the code's usual one (see the contract's `IOTHUB_ERROR_STATUS`). */
  readonly httpStatus?: number;
  /** Seconds the caller should wait before trying again (`Retry-After`), when known. */
  readonly retryAfterSeconds?: number;
}
