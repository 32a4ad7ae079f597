/**
 * The IoT Hub error codes the service answers with, each with its HTTP status. An error answer carries its code in
 * the `iothub-errorcode` header and in the body, `{"Message":"ErrorCode:<code>;<text>", …}`.
 */
export const IOTHUB_ERROR_STATUS = {
  ArgumentInvalid: 400,
  ArgumentNull: 400,
  BlobContainerValidationError: 400,
  IotHubUnauthorizedAccess: 401,
  JobQuotaExceeded: 403,
  DeviceNotFound: 404,
  JobNotFound: 404,
  JobScheduleNotFound: 404,
  DeviceNotOnline: 404,
  MethodNotFound: 404,
  DeviceAlreadyExists: 409,
  JobAlreadyExists: 409,
  JobStateTransitionInvalid: 409,
  JobNotFinished: 409,
  JobNotRunning: 409,
  JobNotPaused: 409,
  JobNotRollbackable: 409,
  PreconditionFailed: 412,
  RequestEntityTooLarge: 413,
  ThrottlingException: 429,
  ThrottlingMaxActiveJobCountExceeded: 429,
  ServerError: 500,
  ServiceUnavailable: 503,
  GatewayTimeout: 504,
  /** With DEVICE_GATEWAY=iothub, the device APIs are the hub's own (this service answers 501). */
  ServedByIotHub: 501,
} as const;

/** An IoT Hub error code the service answers with. */
export type IotHubErrorCode = keyof typeof IOTHUB_ERROR_STATUS;
