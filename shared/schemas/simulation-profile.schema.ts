import * as v from 'valibot';
import { keyPath, plainObject, withoutAbsent } from '@device-jobs/client/schemas';

/**
 * A simulated device's behaviour (the `simulation` extension field of a device identity, or the default profile
 * from settings). Every reason is stated without the field; `parseOrThrow` names it (`simulation.failureRate`).
 */

const MAX_LATENCY_MS = 600_000;
const LATENCY_RULE = `must be a number of ms or a [min, max] range within 0..${MAX_LATENCY_MS}`;
const ANSWER_RULE = 'must be {"status": <integer>, "payload": …}';
const SETTINGS = ['latencyMs', 'failureRate', 'offline', 'methods', 'reportsBack'] as const;

const milliseconds = v.pipe(
  v.number(LATENCY_RULE),
  v.finite(LATENCY_RULE),
  v.minValue(0, LATENCY_RULE),
  v.maxValue(MAX_LATENCY_MS, LATENCY_RULE),
);

const LatencySchema = v.union(
  [
    milliseconds,
    v.pipe(
      v.strictTuple([milliseconds, milliseconds], LATENCY_RULE),
      v.check(([min, max]) => min <= max, LATENCY_RULE),
    ),
  ],
  LATENCY_RULE,
);

/** What a simulated device answers to one direct method. */
const MethodAnswerSchema = v.pipe(
  v.looseObject({ status: v.pipe(v.number(ANSWER_RULE), v.integer(ANSWER_RULE)) }, ANSWER_RULE),
  v.transform(({ status, payload }) => ({ status, payload })),
);
export type SimulatedMethodAnswer = v.InferOutput<typeof MethodAnswerSchema>;

/**
 * Answers by method name. Read entry by entry rather than as a record: a method may be called `__proto__` or
 * `constructor`, which a record schema leaves out and plain assignment swallows.
 */
const MethodsSchema = v.pipe(
  plainObject('must be an object'),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const methods: Record<string, SimulatedMethodAnswer> = {};
    for (const [name, answer] of Object.entries(dataset.value)) {
      const parsed = v.safeParse(MethodAnswerSchema, answer);
      if (!parsed.success) {
        addIssue({ message: ANSWER_RULE, path: keyPath(name) });
        return NEVER;
      }
      Object.defineProperty(methods, name, {
        value: parsed.output,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return methods;
  }),
);

/** Missing fields fall back to the default profile. */
export const SimulationProfileSchema = v.pipe(
  plainObject('must be a JSON object'),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const unknown = Object.keys(dataset.value).find((key) => !(SETTINGS as readonly string[]).includes(key));
    if (unknown !== undefined) addIssue({ message: 'is not a simulation setting', path: keyPath(unknown) });
  }),
  v.object(
    {
      /** Response latency in ms: a fixed value or an inclusive [min, max] range drawn per call. */
      latencyMs: v.optional(LatencySchema),
      /** Probability (0..1) that a method call fails with status 500 from the device. */
      failureRate: v.optional(
        v.pipe(
          v.number('must be a number from 0 to 1'),
          v.minValue(0, 'must be a number from 0 to 1'),
          v.maxValue(1, 'must be a number from 0 to 1'),
        ),
      ),
      /** An offline device answers no method (404 DeviceNotOnline) and reports nothing. */
      offline: v.optional(v.boolean('must be a boolean')),
      /** Fixed answers per method name; a method without an entry answers 200 with a small echo payload. */
      methods: v.optional(MethodsSchema),
      /**
       * `false`: the device never reports its desired properties back (default `true`: after its latency it
       * does), e.g. to watch a job's `completionCondition` time out.
       */
      reportsBack: v.optional(v.boolean('must be a boolean')),
    },
    'must be a JSON object',
  ),
  v.transform(withoutAbsent),
);
export type SimulationProfile = v.InferOutput<typeof SimulationProfileSchema>;
