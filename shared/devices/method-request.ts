import { ArgumentInvalidError, isPlainObject } from '../http';

/** A direct method call, as `POST /twins/{id}/methods` and the gateway port take it. */
export interface MethodInvocation {
  methodName: string;
  payload?: unknown;
  /** How long to wait for the device's answer: 5..300 s, default 30. */
  responseTimeoutInSeconds?: number;
  /** How long to wait for an offline device to connect: 0..300 s, default 0 (must be online). */
  connectTimeoutInSeconds?: number;
}

/** The device's answer to a direct method. */
export interface MethodResult {
  status: number;
  payload: unknown;
}

export const METHOD_LIMITS = {
  defaultResponseTimeout: 30,
  minResponseTimeout: 5,
  maxResponseTimeout: 300,
  maxConnectTimeout: 300,
  payloadBytes: 128 * 1024,
} as const;

function seconds(value: unknown, name: string, min: number, max: number, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ArgumentInvalidError(`${name} must be a whole number of seconds from ${min} to ${max}.`);
  }
  return value;
}

/** Validates a method call body, filling IoT Hub's defaults. */
export function readMethodInvocation(body: unknown): Required<MethodInvocation> {
  if (!isPlainObject(body)) throw new ArgumentInvalidError('The method call must be a JSON object.');
  const { methodName } = body;
  if (typeof methodName !== 'string' || methodName.trim() === '' || methodName.length > 128) {
    throw new ArgumentInvalidError('methodName must be a non-empty string of at most 128 characters.');
  }
  const payload = body.payload === undefined ? null : body.payload;
  if (Buffer.byteLength(JSON.stringify(payload)) > METHOD_LIMITS.payloadBytes) {
    throw new ArgumentInvalidError(
      `The method payload exceeds 128 KB (${METHOD_LIMITS.payloadBytes} bytes).`,
    );
  }
  return {
    methodName,
    payload,
    responseTimeoutInSeconds: seconds(
      body.responseTimeoutInSeconds,
      'responseTimeoutInSeconds',
      METHOD_LIMITS.minResponseTimeout,
      METHOD_LIMITS.maxResponseTimeout,
      METHOD_LIMITS.defaultResponseTimeout,
    ),
    connectTimeoutInSeconds: seconds(
      body.connectTimeoutInSeconds,
      'connectTimeoutInSeconds',
      0,
      METHOD_LIMITS.maxConnectTimeout,
      0,
    ),
  };
}
