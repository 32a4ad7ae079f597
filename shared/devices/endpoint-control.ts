import type { JsonObject } from './device-model';
import type { MethodInvocation } from './method-request';

/**
 * The device endpoint's control API, between the app hosts and the endpoint (both sides import this one
 * definition). Requests carry the endpoint's secret in {@link CONTROL_SECRET_HEADER}.
 */
export const CONTROL_PATHS = { methods: '/methods', desired: '/desired' } as const;

export const CONTROL_SECRET_HEADER = 'x-device-endpoint-secret';

/** `POST /methods`: a direct method for one device. Answer: 200 `{status, payload}` or a {@link ControlError}. */
export interface ControlMethodRequest extends Required<MethodInvocation> {
  deviceId: string;
}

/** `POST /desired`: a desired-properties change for one device's connection. Answer: 204, or 404 if not there. */
export interface ControlDesiredRequest {
  deviceId: string;
  patch: JsonObject;
}

/** The body of a failed control request: the IoT Hub error code the app raises. */
export interface ControlError {
  errorCode: 'DeviceNotOnline' | 'GatewayTimeout' | 'ArgumentInvalid' | 'Unauthorized';
  message: string;
}
