import type { JsonObject } from './device-model';
import type { MethodInvocation } from './method-request';

/**
 * The device endpoint's control API, between the app hosts and the endpoint (both sides import this one
 * definition). Requests carry the endpoint's secret in {@link CONTROL_SECRET_HEADER}.
 *
 * One path, `POST /calls`, takes a {@link ControlBatch}: every call an app host has for the endpoint's devices at
 * one moment travels in one request, and each call's answer comes back as one line of the streamed response
 * ({@link ControlAnswerLine}, NDJSON) as soon as it settles, so a slow device holds up no other answer. A job
 * makes one call per device: one HTTP exchange each cost the app host more CPU than the device's whole call
 * (BENCHMARKS.md "Real devices").
 */
export const CONTROL_PATHS = { calls: '/calls' } as const;

export const CONTROL_SECRET_HEADER = 'x-device-endpoint-secret';

/** The content type of a batch's answer: one JSON {@link ControlAnswerLine} per line. */
export const CONTROL_ANSWER_TYPE = 'application/x-ndjson';

/** A direct method for one device. Answer: 200 `{status, payload}` or a {@link ControlError}. */
export interface ControlMethodRequest extends Required<MethodInvocation> {
  deviceId: string;
}

/** A desired-properties change for one device's connection. Answer: 204, or 404 if not there. */
export interface ControlDesiredRequest {
  deviceId: string;
  patch: JsonObject;
}

/** One call of a batch. */
export type ControlCall =
  ({ kind: 'method' } & ControlMethodRequest) | ({ kind: 'desired' } & ControlDesiredRequest);

/** The body of `POST /calls`. */
export interface ControlBatch {
  calls: ControlCall[];
}

/** The answer to the call at `index` of its batch: what a request of that call alone would have answered. */
export interface ControlAnswerLine {
  index: number;
  status: number;
  body?: unknown;
}

/** The body of a failed control call: the IoT Hub error code the app raises. */
export interface ControlError {
  errorCode: 'DeviceNotOnline' | 'GatewayTimeout' | 'ArgumentInvalid' | 'Unauthorized';
  message: string;
}
