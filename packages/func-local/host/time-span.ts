/**
 * Parses a .NET TimeSpan string as host.json and timer schedules write it: `[d.]hh:mm[:ss[.fffffff]]`, or a
 * whole number of days. Returns milliseconds, or undefined when the text is not a TimeSpan.
 */
export function parseTimeSpan(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * DAY_MS;
  const match = /^(?:(\d+)\.)?(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,7}))?)?$/.exec(trimmed);
  if (!match) return undefined;
  const [, days, hours, minutes, seconds, fraction] = match;
  const h = Number(hours);
  const m = Number(minutes);
  const s = Number(seconds ?? '0');
  if (h > 23 || m > 59 || s > 59) return undefined;
  const fractionMs = fraction ? Number(`0.${fraction}`) * 1000 : 0;
  return Number(days ?? '0') * DAY_MS + h * 3_600_000 + m * 60_000 + s * 1000 + Math.round(fractionMs);
}

const DAY_MS = 86_400_000;

/**
 * Reads a duration setting of host.json, given either as a TimeSpan string or as milliseconds.
 * Throws naming the setting when the value is neither.
 */
export function readDurationSetting(value: unknown, settingName: string, fallbackMs: number): number {
  if (value === undefined || value === null) return fallbackMs;
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  if (typeof value === 'string') {
    const parsed = parseTimeSpan(value);
    if (parsed !== undefined) return parsed;
  }
  throw new InvalidDurationError(settingName, value);
}

export class InvalidDurationError extends Error {
  override name = 'InvalidDurationError';
  readonly code = 'InvalidDuration';
  constructor(settingName: string, value: unknown) {
    super(`${settingName} must be a TimeSpan like "00:00:30" or milliseconds; got ${JSON.stringify(value)}.`);
  }
}
