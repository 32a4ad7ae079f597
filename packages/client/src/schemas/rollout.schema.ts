import * as v from 'valibot';
import type * as Wire from '../wire-types';
import { DEFAULT_JOB_PRIORITY, FAILURE_TYPES, MAX_JOB_PRIORITY, MIN_JOB_PRIORITY } from '../wire-types';

import { closedObject, integerIn, keyPath, numberIn, oneOf, plainObject, present } from './schema-rules';

/** The rollout controls of a job request (`rolloutConfig`, `abortConfig`, `retryConfig`), as valibot schemas. */

export const MAX_PER_MINUTE = 1_000_000;
export const MAX_CONCURRENCY = 10_000;
export const MIN_INCREMENT_FACTOR = 1.1;
export const MAX_INCREMENT_FACTOR = 5;
export const MAX_RETRIES = 10;
export const MAX_WAVES = 20;
/** A job's share of the device-operation budget is in proportion to its `priority` (absent: the default). */
export const MIN_PRIORITY = MIN_JOB_PRIORITY;
export const MAX_PRIORITY = MAX_JOB_PRIORITY;
export const DEFAULT_PRIORITY = DEFAULT_JOB_PRIORITY;
/** The name of the wave the devices after the listed ones form. */
export const LAST_WAVE_NAME = 'remaining';
const WAVE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const WAVE_NAME_RULE = `must be 1-64 letters, digits, '-', '_' or '.' starting with a letter or digit, and not '${LAST_WAVE_NAME}'`;
const MAX_CRITERIA = FAILURE_TYPES.length;

const RATE_KEYS = ['numberOfSucceededDevices', 'numberOfNotifiedDevices'];

const RateIncreaseCriteriaSchema = v.pipe(
  plainObject('must be an object'),
  v.check((criteria) => {
    const keys = Object.keys(criteria).filter((key) => present(criteria[key]));
    return keys.length === 1 && RATE_KEYS.includes(keys[0] ?? '');
  }, 'must hold exactly one of numberOfSucceededDevices and numberOfNotifiedDevices'),
  v.looseObject({
    numberOfSucceededDevices: v.nullish(integerIn(1, MAX_PER_MINUTE)),
    numberOfNotifiedDevices: v.nullish(integerIn(1, MAX_PER_MINUTE)),
  }),
  v.transform(({ numberOfSucceededDevices, numberOfNotifiedDevices }): Wire.RateIncreaseCriteria =>
    numberOfSucceededDevices !== undefined && numberOfSucceededDevices !== null
      ? { numberOfSucceededDevices }
      : { numberOfNotifiedDevices: numberOfNotifiedDevices ?? 0 },
  ),
) satisfies v.GenericSchema<unknown, Wire.RateIncreaseCriteria>;

const ExponentialRateSchema = closedObject({
  baseRatePerMinute: integerIn(1, MAX_PER_MINUTE),
  incrementFactor: numberIn(MIN_INCREMENT_FACTOR, MAX_INCREMENT_FACTOR),
  rateIncreaseCriteria: RateIncreaseCriteriaSchema,
});

const WaveSchema = v.pipe(
  closedObject({
    name: v.pipe(
      v.string(WAVE_NAME_RULE),
      v.regex(WAVE_NAME, WAVE_NAME_RULE),
      v.notValue(LAST_WAVE_NAME, WAVE_NAME_RULE),
    ),
    deviceCount: v.nullish(integerIn(1, Number.MAX_SAFE_INTEGER)),
    devicePercentage: v.nullish(numberIn(1, 100)),
    successThresholdPercentage: numberIn(0, 100),
    then: oneOf(['continue', 'pause']),
  }),
  v.check(
    (wave) => present(wave.deviceCount) !== present(wave.devicePercentage),
    'must hold exactly one of deviceCount and devicePercentage',
  ),
);

/** `rolloutConfig.waves`: 1 to {@link MAX_WAVES} gated waves with distinct names. */
export const WavesSchema = v.pipe(
  v.array(WaveSchema, `must be an array of 1 to ${MAX_WAVES} waves`),
  v.minLength(1, `must be an array of 1 to ${MAX_WAVES} waves`),
  v.maxLength(MAX_WAVES, `must be an array of 1 to ${MAX_WAVES} waves`),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const names = dataset.value.map((wave) => wave.name);
    const index = names.findIndex((name, at) => names.indexOf(name) !== at);
    if (index >= 0) addIssue({ message: `'${names[index]}' names two waves`, path: keyPath(index, 'name') });
  }),
) satisfies v.GenericSchema<unknown, Wire.WaveConfig[]>;

const ROLLOUT_ENTRIES = {
  maximumPerMinute: v.nullish(integerIn(1, MAX_PER_MINUTE)),
  exponentialRate: v.nullish(ExponentialRateSchema),
  maxConcurrency: v.nullish(integerIn(1, MAX_CONCURRENCY)),
  waves: v.nullish(WavesSchema),
};

/** Whether a rollout config has a field it does not know, or an invalid `maximumPerMinute` (both answered first). */
function unknownField(config: Record<string, unknown>): boolean {
  return (
    Object.keys(config).some((key) => !Object.hasOwn(ROLLOUT_ENTRIES, key)) ||
    !v.is(ROLLOUT_ENTRIES.maximumPerMinute, config.maximumPerMinute)
  );
}

/** `rolloutConfig`: a rate (fixed or exponential), a concurrency cap and gated waves. */
export const RolloutConfigSchema = v.pipe(
  plainObject('must be an object'),
  // IoT Hub's order: the fields' own rules, with `exponentialRate` needing `maximumPerMinute` before its content.
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const { maximumPerMinute, exponentialRate } = dataset.value;
    if (present(exponentialRate) && !present(maximumPerMinute) && !unknownField(dataset.value)) {
      addIssue({ message: 'is required with exponentialRate', path: keyPath('maximumPerMinute') });
    }
  }),
  closedObject(ROLLOUT_ENTRIES),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const { maximumPerMinute, exponentialRate } = dataset.value;
    if (
      exponentialRate &&
      maximumPerMinute !== undefined &&
      exponentialRate.baseRatePerMinute > maximumPerMinute
    ) {
      addIssue({
        message: `must not exceed maximumPerMinute (${maximumPerMinute})`,
        path: keyPath('exponentialRate', 'baseRatePerMinute'),
      });
    }
  }),
) satisfies v.GenericSchema<unknown, Wire.RolloutConfig>;

/** A criteria list whose failure types are distinct. */
function criteriaList<TCriterion extends v.GenericSchema<unknown, { failureType: Wire.FailureType }>>(
  criterion: TCriterion,
) {
  const message = `must be an array of 1 to ${MAX_CRITERIA} criteria`;
  return closedObject({
    criteriaList: v.pipe(
      v.array(criterion, message),
      v.minLength(1, message),
      v.maxLength(MAX_CRITERIA, message),
      v.rawCheck(({ dataset, addIssue }) => {
        if (!dataset.typed) return;
        const types = dataset.value.map((item) => item.failureType);
        const index = types.findIndex((type, at) => types.indexOf(type) !== at);
        if (index >= 0) {
          addIssue({ message: `'${types[index]}' appears twice`, path: keyPath(index, 'failureType') });
        }
      }),
    ),
  });
}

/** What an abort does besides cancelling: `rollback` also starts `<jobId>-rollback` (twin jobs only). */
export const ABORT_ACTIONS = [
  'cancel',
  'rollback',
] as const satisfies readonly Wire.AbortCriterion['action'][];

/** `abortConfig`: cancel the job (and maybe roll it back) when a failure type passes its threshold. */
export const AbortConfigSchema = criteriaList(
  closedObject({
    failureType: oneOf(FAILURE_TYPES),
    action: oneOf(ABORT_ACTIONS),
    thresholdPercentage: numberIn(0, 100),
    minNumberOfExecutedDevices: integerIn(1, Number.MAX_SAFE_INTEGER),
  }),
) satisfies v.GenericSchema<unknown, Wire.AbortConfig>;

/** `retryConfig`: how often devices that ended in a failure type are tried again. */
export const RetryConfigSchema = criteriaList(
  closedObject({
    failureType: oneOf(FAILURE_TYPES),
    numberOfRetries: integerIn(0, MAX_RETRIES),
  }),
) satisfies v.GenericSchema<unknown, Wire.RetryConfig>;

/** `countMethodErrorsAsFailures`: whether a method's error status (≥ 400) counts as a failed device. */
export const CountMethodErrorsSchema = v.boolean('must be true or false');

/** A job's `priority`: its weight in the shared device-operation budget. */
export const PrioritySchema = integerIn(MIN_PRIORITY, MAX_PRIORITY);
