import { ArgumentInvalidError } from './iothub-errors';

/** Parses a request body as JSON; malformed JSON is a 400 ArgumentInvalid saying where it broke. */
export function parseJsonBody(text: string, what = 'request body'): unknown {
  if (text.trim() === '')
    throw new ArgumentInvalidError(`The ${what} is empty: a JSON document is required.`);
  try {
    return JSON.parse(text) as unknown;
  } catch (error: unknown) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ArgumentInvalidError(`The ${what} is not valid JSON: ${reason}`);
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses a body that must be a JSON object. */
export function parseJsonObject(text: string, what = 'request body'): Record<string, unknown> {
  const value = parseJsonBody(text, what);
  if (!isPlainObject(value)) throw new ArgumentInvalidError(`The ${what} must be a JSON object.`);
  return value;
}
