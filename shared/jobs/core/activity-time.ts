import type { ActivityLimits } from './job-settings';
import type { CloudToDeviceMethod } from './job-model';

/** Kept between an activity's hard end and the host's functionTimeout: writes and the answer still need time. */
const MAX_TIMEOUT_MARGIN_MS = 15_000;
/** The shortest time an activity starts devices for, so that each call moves the job forward. */
const MAX_MIN_START_WINDOW_MS = 5_000;
/** A device call ends this long after its own timeouts at the latest (transport, the gateway's bookkeeping). */
export const CALL_SLACK_MS = 2_000;
/** The longest a twin update may take (a read and a write, with the gateway's own retries of throttling). */
export const TWIN_CALL_BOUND_MS = 30_000;

/** When an activity stops starting devices, and when every call it started must have ended. */
export interface ActivityTimePlan {
  startUntil: number;
  /** Epoch ms; `Infinity` when the host has no functionTimeout. */
  hardEnd: number;
}

/**
 * Plans one activity's time. With `callBoundMs` the longest one device's call may take, devices start until
 * `budget − callBound` so the activity ends within its budget; when a call cannot fit in the budget (a 300 s
 * method timeout), devices start for a short window and their calls may run until the hard end (the host's
 * functionTimeout less a margin), beyond which {@link fitMethodTimeouts} shortens them.
 */
export function planActivityTime(
  startedAt: number,
  limits: ActivityLimits,
  callBoundMs: number,
): ActivityTimePlan {
  const hardLimit =
    limits.functionTimeoutMs === undefined
      ? Infinity
      : limits.functionTimeoutMs - Math.min(MAX_TIMEOUT_MARGIN_MS, limits.functionTimeoutMs / 4);
  const budget = Math.min(limits.budgetMs, hardLimit);
  const minWindow = Math.min(MAX_MIN_START_WINDOW_MS, budget / 4);
  const window = Math.min(budget, Math.max(minWindow, budget - callBoundMs));
  return { startUntil: startedAt + window, hardEnd: startedAt + hardLimit };
}

/** The longest a method call of this job may take: its connect and response timeouts plus slack. */
export function methodCallBoundMs(method: CloudToDeviceMethod): number {
  return (method.connectTimeoutInSeconds + method.responseTimeoutInSeconds) * 1000 + CALL_SLACK_MS;
}

/**
 * The method's timeouts, shortened when a call started at `now` could outlast `hardEnd`: the connect timeout
 * first, then the response timeout (to at least 1 s). Unchanged whenever they fit, which they always do when the
 * host's functionTimeout exceeds the method's timeouts by the margin.
 */
export function fitMethodTimeouts(
  method: CloudToDeviceMethod,
  now: number,
  hardEnd: number,
): CloudToDeviceMethod {
  const availableSeconds = Math.floor((hardEnd - now - CALL_SLACK_MS) / 1000);
  const total = method.connectTimeoutInSeconds + method.responseTimeoutInSeconds;
  if (total <= availableSeconds) return method;
  const responseTimeoutInSeconds = Math.max(1, Math.min(method.responseTimeoutInSeconds, availableSeconds));
  const connectTimeoutInSeconds = Math.max(0, availableSeconds - responseTimeoutInSeconds);
  return { ...method, responseTimeoutInSeconds, connectTimeoutInSeconds };
}

/**
 * Parses a host.json TimeSpan (`hh:mm:ss`, `d.hh:mm:ss`, fractions allowed) into ms; `-1` (no limit) gives
 * `undefined`. Throws on anything else.
 */
export function parseFunctionTimeout(text: string): number | undefined {
  const value = text.trim();
  if (value === '-1') return undefined;
  const match = /^(?:(\d+)\.)?(\d{1,2}):(\d{1,2}):(\d{1,2}(?:\.\d+)?)$/.exec(value);
  if (!match) throw new RangeError(`'${text}' is not a TimeSpan (hh:mm:ss) or -1.`);
  const [, days = '0', hours = '0', minutes = '0', seconds = '0'] = match;
  const ms = ((Number(days) * 24 + Number(hours)) * 60 + Number(minutes)) * 60_000 + Number(seconds) * 1000;
  if (ms <= 0) throw new RangeError(`functionTimeout must be positive, got '${text}'.`);
  return ms;
}
