import * as v from 'valibot';
import { readSetting } from './setting-schemas';
import { formatTimeSpan, parseTimeSpan } from './time-span';

/** The hosting plans whose functionTimeout rules the local host can copy (azure-docs functions-timeout-duration). */
export const HOSTING_PLANS = ['consumption', 'flex', 'premium', 'dedicated'] as const;
export type HostingPlan = (typeof HOSTING_PLANS)[number];

interface PlanLimits {
  defaultMs: number;
  /** Undefined: no maximum, and `-1` (no timeout) is allowed. */
  maxMs: number | undefined;
}

const MINUTE = 60_000;
const PLAN_LIMITS: Record<HostingPlan, PlanLimits> = {
  consumption: { defaultMs: 5 * MINUTE, maxMs: 10 * MINUTE },
  flex: { defaultMs: 30 * MINUTE, maxMs: undefined },
  premium: { defaultMs: 30 * MINUTE, maxMs: undefined },
  dedicated: { defaultMs: 30 * MINUTE, maxMs: undefined },
};

export class FunctionTimeoutSettingError extends Error {
  override name = 'FunctionTimeoutSettingError';
  readonly code = 'InvalidFunctionTimeout';
}

const NoTimeoutSchema = v.pipe(
  v.union([v.null(), v.literal(-1), v.literal('-1')]),
  v.transform(() => undefined),
);

/** A TimeSpan from 1 second up to `maxMs` (no maximum when undefined), in milliseconds. */
const timeSpanSchema = (maxMs: number | undefined) =>
  v.pipe(
    v.string(),
    v.transform(parseTimeSpan),
    v.number(),
    v.minValue(1000),
    v.maxValue(maxMs ?? Number.POSITIVE_INFINITY),
  );

/** The functionTimeout values a plan allows: `-1` (or null) only on plans without a maximum. */
const functionTimeoutSchema = (maxMs: number | undefined) =>
  maxMs === undefined ? v.union([NoTimeoutSchema, timeSpanSchema(maxMs)]) : timeSpanSchema(maxMs);

/**
 * host.json `functionTimeout` under a plan's rules: absent gives the plan's default; `-1` (or null) means no
 * timeout where the plan allows it; otherwise a TimeSpan from 1 second up to the plan's maximum. Returns
 * milliseconds, or undefined for no timeout.
 */
export function readFunctionTimeout(value: unknown, plan: HostingPlan): number | undefined {
  const { defaultMs, maxMs } = PLAN_LIMITS[plan];
  if (value === undefined) return defaultMs;
  const range =
    maxMs === undefined ? 'at least 00:00:01, or -1' : `from 00:00:01 to ${formatTimeSpan(maxMs)}`;
  return readSetting(
    functionTimeoutSchema(maxMs),
    value,
    () =>
      new FunctionTimeoutSettingError(
        `host.json functionTimeout ${JSON.stringify(value)} is not valid on the ${plan} plan: it must be a TimeSpan ${range}.`,
      ),
  );
}

/** The failure of an invocation past functionTimeout, worded as the Functions host's FunctionTimeoutException. */
export class FunctionTimeoutError extends Error {
  override name = 'FunctionTimeoutException';
  constructor(functionName: string, timeoutMs: number) {
    super(
      `Timeout value of ${formatTimeSpan(timeoutMs)} was exceeded by function: Functions.${functionName}`,
    );
  }
}

/** Settles like `work`, or rejects with a FunctionTimeoutError once `timeoutMs` has passed. */
export function withFunctionTimeout<T>(
  work: Promise<T>,
  functionName: string,
  timeoutMs: number | undefined,
): Promise<T> {
  if (timeoutMs === undefined) return work;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new FunctionTimeoutError(functionName, timeoutMs)), timeoutMs);
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}
