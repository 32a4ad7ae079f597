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

/** Formats milliseconds as .NET prints a TimeSpan: `hh:mm:ss`, with days and fractions only when present. */
export function formatTimeSpan(ms: number): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const days = Math.floor(ms / DAY_MS);
  const hours = Math.floor((ms % DAY_MS) / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = Math.floor((ms % 60_000) / 1000);
  const fraction = ms % 1000;
  const time = `${two(hours)}:${two(minutes)}:${two(seconds)}`;
  return `${days > 0 ? `${days}.` : ''}${time}${fraction > 0 ? `.${String(fraction * 10_000).padStart(7, '0')}` : ''}`;
}
