import { ArgumentInvalidError } from '../http';
import { MethodInvocationSchema, type MethodInvocationInput } from '../schemas/method-invocation.schema';
import { parseOrThrow } from '@device-jobs/client/schemas';

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

/** How the method call's messages name a field: the body and the payload by name, a field by its own. */
const FIELD_NAMES: Readonly<Record<string, string>> = {
  '': 'The method call',
  payload: 'The method payload',
};

/** Validates a method call body, filling IoT Hub's defaults. */
export function readMethodInvocation(body: unknown): MethodInvocationInput {
  return parseOrThrow(
    MethodInvocationSchema,
    body,
    '',
    ({ field, reason }) => new ArgumentInvalidError(`${FIELD_NAMES[field] ?? field} ${reason}.`),
  );
}
