import { JobValidationError } from './job-errors';
import { integerIn, numberIn, objectAt, present, refuseUnknown } from './field-rules';
import type { WaveConfig } from './rollout-wave-model';

export const MAX_WAVES = 20;
/** The name of the wave the devices after the listed ones form. */
export const LAST_WAVE_NAME = 'remaining';
const WAVE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const THEN = ['continue', 'pause'] as const;

/** Validates `rolloutConfig.waves`; throws {@link JobValidationError} naming the first invalid field. */
export function parseWaves(field: string, value: unknown): WaveConfig[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_WAVES) {
    throw new JobValidationError(field, `must be an array of 1 to ${MAX_WAVES} waves`);
  }
  const names = new Set<string>();
  return value.map((raw: unknown, index) => {
    const at = `${field}[${index}]`;
    const wave = objectAt(at, raw);
    refuseUnknown(at, wave, [
      'name',
      'deviceCount',
      'devicePercentage',
      'successThresholdPercentage',
      'then',
    ]);
    const { name } = wave;
    if (typeof name !== 'string' || !WAVE_NAME.test(name) || name === LAST_WAVE_NAME) {
      throw new JobValidationError(
        `${at}.name`,
        `must be 1-64 letters, digits, '-', '_' or '.' starting with a letter or digit, and not '${LAST_WAVE_NAME}'`,
      );
    }
    if (names.has(name)) throw new JobValidationError(`${at}.name`, `'${name}' names two waves`);
    names.add(name);
    if (present(wave.deviceCount) === present(wave.devicePercentage)) {
      throw new JobValidationError(at, 'must hold exactly one of deviceCount and devicePercentage');
    }
    const then = THEN.find((candidate) => candidate === wave.then);
    if (!then) throw new JobValidationError(`${at}.then`, `must be one of ${THEN.join(', ')}`);
    const parsed: WaveConfig = {
      name,
      successThresholdPercentage: numberIn(
        `${at}.successThresholdPercentage`,
        wave.successThresholdPercentage,
        0,
        100,
      ),
      then,
    };
    if (present(wave.deviceCount)) {
      parsed.deviceCount = integerIn(`${at}.deviceCount`, wave.deviceCount, 1, Number.MAX_SAFE_INTEGER);
    } else {
      parsed.devicePercentage = numberIn(`${at}.devicePercentage`, wave.devicePercentage, 1, 100);
    }
    return parsed;
  });
}
