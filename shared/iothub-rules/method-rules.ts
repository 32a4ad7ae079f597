import { jsonByteLength } from './json-values';

/** IoT Hub's direct method limits. */
export const METHOD_LIMITS = {
  nameChars: 128,
  payloadBytes: 128 * 1024,
  defaultResponseTimeout: 30,
  minResponseTimeout: 5,
  maxResponseTimeout: 300,
  defaultConnectTimeout: 0,
  maxConnectTimeout: 300,
} as const;

/** Why a method name is invalid (absent, blank or too long); undefined when valid. */
export function methodNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string' || name.trim() === '') return 'is required and must be a non-empty string';
  if (name.length > METHOD_LIMITS.nameChars) return `may be at most ${METHOD_LIMITS.nameChars} characters`;
  return undefined;
}

/** Why a method payload is too large; undefined when it fits. */
export function methodPayloadProblem(payload: unknown): string | undefined {
  const size = jsonByteLength(payload);
  return size > METHOD_LIMITS.payloadBytes
    ? `is ${size} bytes: at most ${METHOD_LIMITS.payloadBytes} bytes (128 KB) are allowed`
    : undefined;
}

export type MethodTimeout = 'response' | 'connect';

const TIMEOUT_RANGE = {
  response: [
    METHOD_LIMITS.minResponseTimeout,
    METHOD_LIMITS.maxResponseTimeout,
    METHOD_LIMITS.defaultResponseTimeout,
  ],
  connect: [0, METHOD_LIMITS.maxConnectTimeout, METHOD_LIMITS.defaultConnectTimeout],
} as const;

/**
 * A method timeout in seconds: the default when absent or null, the value when it is a whole number in range,
 * otherwise the reason it is refused.
 */
export function methodTimeout(
  value: unknown,
  kind: MethodTimeout,
): { seconds: number } | { problem: string } {
  const [min, max, fallback] = TIMEOUT_RANGE[kind];
  if (value === undefined || value === null) return { seconds: fallback };
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    return { problem: `must be a whole number of seconds from ${min} to ${max}` };
  }
  return { seconds: value };
}
