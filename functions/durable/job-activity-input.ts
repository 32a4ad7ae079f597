/** Activity inputs arrive as deserialized JSON; these checks fail the activity loudly on a malformed one. */
export function requireObject(activity: string, input: unknown): Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new TypeError(`${activity}: the input must be an object.`);
  }
  return input as Record<string, unknown>;
}

export function requireString(activity: string, input: Record<string, unknown>, field: string): string {
  const value = input[field];
  if (typeof value !== 'string' || value.length === 0)
    throw new TypeError(`${activity}: ${field} must be a string.`);
  return value;
}

export function requireInteger(
  activity: string,
  input: Record<string, unknown>,
  field: string,
  min: number,
): number {
  const value = input[field];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new TypeError(`${activity}: ${field} must be an integer ≥ ${min}.`);
  }
  return value;
}
