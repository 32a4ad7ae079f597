import {
  ArgumentInvalidError,
  DeviceNotFoundError,
  DeviceNotOnlineError,
  GatewayTimeoutError,
  IotHubError,
  isIotHubErrorCode,
  PreconditionFailedError,
  ServiceUnavailableError,
  ThrottlingError,
  UnauthorizedAccessError,
} from '../../http';

/** What the azure-iothub SDK's errors carry: the HTTP response and its body. */
interface SdkHttpError {
  message?: string;
  response?: { statusCode?: number; headers?: Record<string, string | string[] | undefined> };
  responseBody?: unknown;
}

function header(error: SdkHttpError, name: string): string | undefined {
  const value = error.response?.headers?.[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The IoT Hub error code in a legacy error body (`ErrorCode:<Code>;…`) or the iothub-errorcode header. */
function errorCode(error: SdkHttpError): string | undefined {
  const fromHeader = header(error, 'iothub-errorcode');
  if (fromHeader) return fromHeader;
  const body = typeof error.responseBody === 'string' ? error.responseBody : '';
  return /ErrorCode:([A-Za-z]+)/.exec(body)?.[1];
}

function retryAfterSeconds(error: SdkHttpError): number | undefined {
  const raw = header(error, 'retry-after');
  if (raw === undefined) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - Date.now()) / 1000);
}

/** Maps an azure-iothub SDK error to the gateway's errors (see `GatewayErrorCode`). */
export function mapSdkError(error: unknown, deviceId: string): Error {
  if (typeof error !== 'object' || error === null) return new Error(String(error));
  const sdkError = error as SdkHttpError;
  const status = sdkError.response?.statusCode;
  const code = errorCode(sdkError);
  const text = sdkError.message ?? 'IoT Hub request failed';
  if (status === undefined) {
    return new ServiceUnavailableError(`IoT Hub could not be reached: ${text}`);
  }
  switch (status) {
    case 400:
      return new ArgumentInvalidError(text);
    case 401:
    case 403:
      return new UnauthorizedAccessError();
    case 404:
      return code === 'DeviceNotOnline'
        ? new DeviceNotOnlineError(deviceId)
        : new DeviceNotFoundError(deviceId);
    case 412:
      return new PreconditionFailedError(text);
    case 429:
      return new ThrottlingError(text, retryAfterSeconds(sdkError));
    case 503:
      return new ServiceUnavailableError(text);
    case 504:
      return new GatewayTimeoutError(text);
    default:
      return new IotHubError(
        code !== undefined && isIotHubErrorCode(code) ? code : 'ServerError',
        status,
        text,
      );
  }
}
