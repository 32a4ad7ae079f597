import * as v from 'valibot';
import { jsonByteLength, METHOD_LIMITS } from '../iothub-rules';
import { objectMessage, plainObject } from '@device-jobs/client/schemas';

/**
 * A direct method call: its name, payload and timeouts under IoT Hub's limits, as `POST /twins/{id}/methods`, the
 * gateways and a scheduleDeviceMethod job's `cloudToDeviceMethod` read them. Reasons are stated without the field.
 */

const METHOD_NAME_RULE = 'is required and must be a non-empty string';

/** `methodName`: a non-blank string of at most {@link METHOD_LIMITS.nameChars} characters. */
export const MethodNameSchema = v.pipe(
  v.string(METHOD_NAME_RULE),
  v.check((name) => name.trim() !== '', METHOD_NAME_RULE),
  v.maxLength(METHOD_LIMITS.nameChars, `may be at most ${METHOD_LIMITS.nameChars} characters`),
);

/** `payload`: any JSON value of at most 128 KB serialised; absent is `null`. */
export const MethodPayloadSchema = v.optional(
  v.pipe(
    v.unknown(),
    v.check(
      (payload) => jsonByteLength(payload) <= METHOD_LIMITS.payloadBytes,
      (issue) =>
        `is ${jsonByteLength(issue.input)} bytes: at most ${METHOD_LIMITS.payloadBytes} bytes (128 KB) are allowed`,
    ),
  ),
  null,
);

/** A direct method timeout in whole seconds within IoT Hub's range. */
export const methodTimeoutSchema = (min: number, max: number) => {
  const message = `must be a whole number of seconds from ${min} to ${max}`;
  return v.pipe(v.number(message), v.integer(message), v.minValue(min, message), v.maxValue(max, message));
};

/** `responseTimeoutInSeconds` (the preview's `timeoutInSeconds`): 5 to 300 s. */
export const ResponseTimeoutSchema = methodTimeoutSchema(
  METHOD_LIMITS.minResponseTimeout,
  METHOD_LIMITS.maxResponseTimeout,
);

/** `connectTimeoutInSeconds`: 0 to 300 s. */
export const ConnectTimeoutSchema = methodTimeoutSchema(
  METHOD_LIMITS.defaultConnectTimeout,
  METHOD_LIMITS.maxConnectTimeout,
);

const INVOCATION_ENTRIES = {
  methodName: MethodNameSchema,
  payload: MethodPayloadSchema,
  responseTimeoutInSeconds: v.nullish(ResponseTimeoutSchema, METHOD_LIMITS.defaultResponseTimeout),
  connectTimeoutInSeconds: v.nullish(ConnectTimeoutSchema, METHOD_LIMITS.defaultConnectTimeout),
};

/** The body of `POST /twins/{id}/methods`: IoT Hub's defaults filled in (30 s to answer, 0 s to connect). */
export const MethodInvocationSchema = v.pipe(
  plainObject('must be a JSON object'),
  v.object(INVOCATION_ENTRIES, objectMessage(INVOCATION_ENTRIES, 'must be a JSON object')),
);

/** A direct method call with every default filled in. */
export type MethodInvocationInput = v.InferOutput<typeof MethodInvocationSchema>;
