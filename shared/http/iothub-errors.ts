import { IOTHUB_ERROR_STATUS } from '@device-jobs/client/contract';

/**
 * IoT Hub error codes with the HTTP status IoT Hub answers them with: the contract's table. Any error carrying one
 * of these codes (as a `code` string property) is answered with that status by the HTTP wrapper, so pure domains
 * can define their own error classes without importing this module.
 */
export const ERROR_STATUS: Readonly<Record<string, number>> = IOTHUB_ERROR_STATUS;

/** An error IoT Hub would answer with `code` and `status`; the message is what the wire body's text says. */
export class IotHubError extends Error {
  override name = 'IotHubError';
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** 400: a request argument (body, header, query, path) is malformed or out of range. */
export class ArgumentInvalidError extends IotHubError {
  override name = 'ArgumentInvalidError';
  constructor(message: string) {
    super('ArgumentInvalid', 400, message);
  }
}

/** 401: any authorization failure. The message never says which check failed. */
export class UnauthorizedAccessError extends IotHubError {
  override name = 'UnauthorizedAccessError';
  constructor() {
    super('IotHubUnauthorizedAccess', 401, 'Unauthorized');
  }
}

export class DeviceNotFoundError extends IotHubError {
  override name = 'DeviceNotFoundError';
  constructor(deviceId: string) {
    super('DeviceNotFound', 404, `Device ${deviceId} not registered.`);
  }
}

export class DeviceNotOnlineError extends IotHubError {
  override name = 'DeviceNotOnlineError';
  constructor(deviceId: string) {
    super('DeviceNotOnline', 404, `Device ${deviceId} is not online.`);
  }
}

export class DeviceAlreadyExistsError extends IotHubError {
  override name = 'DeviceAlreadyExistsError';
  constructor(deviceId: string) {
    super('DeviceAlreadyExists', 409, `A device with ID '${deviceId}' is already registered.`);
  }
}

export class PreconditionFailedError extends IotHubError {
  override name = 'PreconditionFailedError';
  constructor(message = 'Precondition failed: the etag does not match.') {
    super('PreconditionFailed', 412, message);
  }
}

export class ThrottlingError extends IotHubError {
  override name = 'ThrottlingError';
  constructor(
    message = 'Throttled: too many requests.',
    /** Seconds the caller should wait, when known. */
    readonly retryAfterSeconds?: number,
  ) {
    super('ThrottlingException', 429, message);
  }
}

export class GatewayTimeoutError extends IotHubError {
  override name = 'GatewayTimeoutError';
  constructor(message = 'Timed out waiting for the response from device.') {
    super('GatewayTimeout', 504, message);
  }
}

export class ServiceUnavailableError extends IotHubError {
  override name = 'ServiceUnavailableError';
  constructor(message = 'The service is unavailable.') {
    super('ServiceUnavailable', 503, message);
  }
}

/** The wire error of an error carrying a known IoT Hub code, with the seconds to wait when it says; else undefined. */
export function wireErrorOf(
  error: unknown,
): { code: string; status: number; message: string; retryAfterSeconds?: number } | undefined {
  if (!(error instanceof Error)) return undefined;
  const { code, status, retryAfterSeconds } = error as Error & {
    code?: unknown;
    status?: unknown;
    retryAfterSeconds?: unknown;
  };
  if (typeof code !== 'string') return undefined;
  const known = Object.hasOwn(ERROR_STATUS, code) ? ERROR_STATUS[code] : undefined;
  const wireStatus = typeof status === 'number' && status >= 400 && status < 600 ? status : known;
  if (wireStatus === undefined) return undefined;
  const wire = { code, status: wireStatus, message: error.message };
  return typeof retryAfterSeconds === 'number' && retryAfterSeconds >= 0
    ? { ...wire, retryAfterSeconds }
    : wire;
}
