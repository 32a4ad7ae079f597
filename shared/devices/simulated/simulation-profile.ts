import { ArgumentInvalidError, isPlainObject } from '../../http';

/** What a simulated device answers to one direct method. */
export interface SimulatedMethodAnswer {
  status: number;
  payload?: unknown;
}

/**
 * How a simulated device behaves (the `simulation` extension field of a device identity, or the default profile
 * from settings). Missing fields fall back to the default profile.
 */
export interface SimulationProfile {
  /** Response latency in ms: a fixed value or an inclusive [min, max] range drawn per call. */
  latencyMs?: number | [number, number];
  /** Probability (0..1) that a method call fails with status 500 from the device. */
  failureRate?: number;
  /** An offline device answers no method (404 DeviceNotOnline) and reports nothing. */
  offline?: boolean;
  /** Fixed answers per method name; a method without an entry answers 200 with a small echo payload. */
  methods?: Record<string, SimulatedMethodAnswer>;
  /**
   * `false`: the device never reports its desired properties back (default `true`: after its latency it does),
   * e.g. to watch a job's `completionCondition` time out.
   */
  reportsBack?: boolean;
}

const MAX_LATENCY_MS = 600_000;

function latency(value: unknown, where: string): number | [number, number] {
  const isMs = (n: unknown): n is number =>
    typeof n === 'number' && Number.isFinite(n) && n >= 0 && n <= MAX_LATENCY_MS;
  if (isMs(value)) return value;
  if (
    Array.isArray(value) &&
    value.length === 2 &&
    isMs(value[0]) &&
    isMs(value[1]) &&
    value[0] <= value[1]
  ) {
    return [value[0], value[1]];
  }
  throw new ArgumentInvalidError(
    `${where}.latencyMs must be a number of ms or a [min, max] range within 0..${MAX_LATENCY_MS}.`,
  );
}

/** Validates a simulation profile; `where` names it in the 400 ArgumentInvalid message. */
export function parseSimulationProfile(value: unknown, where = 'simulation'): SimulationProfile {
  if (!isPlainObject(value)) throw new ArgumentInvalidError(`${where} must be a JSON object.`);
  const known = new Set(['latencyMs', 'failureRate', 'offline', 'methods', 'reportsBack']);
  const unknown = Object.keys(value).find((key) => !known.has(key));
  if (unknown !== undefined)
    throw new ArgumentInvalidError(`${where}.${unknown} is not a simulation setting.`);
  const profile: SimulationProfile = {};
  if (value.latencyMs !== undefined) profile.latencyMs = latency(value.latencyMs, where);
  if (value.failureRate !== undefined) {
    const rate = value.failureRate;
    if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) {
      throw new ArgumentInvalidError(`${where}.failureRate must be a number from 0 to 1.`);
    }
    profile.failureRate = rate;
  }
  if (value.offline !== undefined) {
    if (typeof value.offline !== 'boolean')
      throw new ArgumentInvalidError(`${where}.offline must be a boolean.`);
    profile.offline = value.offline;
  }
  if (value.reportsBack !== undefined) {
    if (typeof value.reportsBack !== 'boolean')
      throw new ArgumentInvalidError(`${where}.reportsBack must be a boolean.`);
    profile.reportsBack = value.reportsBack;
  }
  if (value.methods !== undefined) {
    if (!isPlainObject(value.methods)) throw new ArgumentInvalidError(`${where}.methods must be an object.`);
    const methods: Record<string, SimulatedMethodAnswer> = {};
    for (const [name, answer] of Object.entries(value.methods)) {
      if (!isPlainObject(answer) || typeof answer.status !== 'number' || !Number.isInteger(answer.status)) {
        throw new ArgumentInvalidError(
          `${where}.methods.${name} must be {"status": <integer>, "payload": …}.`,
        );
      }
      // defineProperty: a method may be called `__proto__`, which plain assignment would swallow.
      Object.defineProperty(methods, name, {
        value: { status: answer.status, payload: answer.payload },
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    profile.methods = methods;
  }
  return profile;
}
