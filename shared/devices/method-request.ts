import { ArgumentInvalidError, isPlainObject } from '../http';
import { methodNameProblem, methodPayloadProblem, methodTimeout, type MethodTimeout } from '../iothub-rules';

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

function seconds(value: unknown, name: string, kind: MethodTimeout): number {
  const timeout = methodTimeout(value, kind);
  if ('problem' in timeout) throw new ArgumentInvalidError(`${name} ${timeout.problem}.`);
  return timeout.seconds;
}

/** Validates a method call body, filling IoT Hub's defaults. */
export function readMethodInvocation(body: unknown): Required<MethodInvocation> {
  if (!isPlainObject(body)) throw new ArgumentInvalidError('The method call must be a JSON object.');
  const { methodName } = body;
  const nameProblem = methodNameProblem(methodName);
  if (nameProblem !== undefined || typeof methodName !== 'string') {
    throw new ArgumentInvalidError(`methodName ${nameProblem ?? 'must be a string'}.`);
  }
  const payload = body.payload === undefined ? null : body.payload;
  const payloadProblem = methodPayloadProblem(payload);
  if (payloadProblem !== undefined) throw new ArgumentInvalidError(`The method payload ${payloadProblem}.`);
  return {
    methodName,
    payload,
    responseTimeoutInSeconds: seconds(body.responseTimeoutInSeconds, 'responseTimeoutInSeconds', 'response'),
    connectTimeoutInSeconds: seconds(body.connectTimeoutInSeconds, 'connectTimeoutInSeconds', 'connect'),
  };
}
