import { IOTHUB_ERROR_STATUS, type IotHubErrorCode } from '@device-jobs/client/contract';
import { WireError, type RuleProblem } from '../iothub-rules';

/**
 * IoT Hub error codes with the HTTP status IoT Hub answers them with: the contract's table, the status of a
 * {@link WireError} with that code (domains extend `WireError` from `shared/iothub-rules` without importing this
 * module).
 */
export const ERROR_STATUS: Readonly<Record<IotHubErrorCode, number>> = IOTHUB_ERROR_STATUS;

/** An error IoT Hub would answer with `code` and `status`; the message is what the wire body's text says. */
export class IotHubError extends WireError {
  override name = 'IotHubError';
  override readonly httpStatus: number;
  constructor(
    readonly code: IotHubErrorCode,
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.httpStatus = status;
  }
}

/** 400: a request argument (body, header, query, path) is malformed or out of range. */
export class ArgumentInvalidError extends IotHubError {
  override name = 'ArgumentInvalidError';
  constructor(message: string) {
    super('ArgumentInvalid', 400, message);
  }
}

/** The ArgumentInvalid of a refused field, as the registry and twin routes word it: `<field> <reason>.` */
export function argumentInvalid({ field, reason }: RuleProblem): ArgumentInvalidError {
  return new ArgumentInvalidError(`${field} ${reason}.`);
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
    override readonly retryAfterSeconds?: number,
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

/** Whether `code` is one of the IoT Hub error codes the service answers with. */
export function isIotHubErrorCode(code: string): code is IotHubErrorCode {
  return Object.hasOwn(ERROR_STATUS, code);
}

/** An IoT Hub wire error: code, HTTP status, the text of the answer and the seconds to wait when known. */
export interface WireErrorAnswer {
  code: IotHubErrorCode;
  status: number;
  message: string;
  retryAfterSeconds?: number;
}

/**
 * The wire error of a known error class ({@link WireError}: the domains' errors and {@link IotHubError}); undefined
 * for anything else, whose message is internal (an SDK's, a bug's) and never reaches a caller.
 */
export function wireErrorOf(error: unknown): WireErrorAnswer | undefined {
  if (!(error instanceof WireError)) return undefined;
  const { code, httpStatus, retryAfterSeconds } = error;
  const status =
    httpStatus !== undefined && httpStatus >= 400 && httpStatus < 600 ? httpStatus : ERROR_STATUS[code];
  const wire = { code, status, message: error.message };
  return retryAfterSeconds !== undefined && retryAfterSeconds >= 0 ? { ...wire, retryAfterSeconds } : wire;
}
