import type { JobControls, TargetSelection } from '@device-jobs/client';
import { JobValidationError } from './job-errors';
import type { JobTargets } from './job-model';

const SELECTIONS: readonly TargetSelection[] = ['snapshot', 'continuous'];

/**
 * Validates `targetSelection`: `continuous` needs a `queryCondition` (devices come to match a condition, not a list)
 * and no gated waves (their sizes are shares of a fixed set of targets).
 */
export function parseTargetSelection(
  value: unknown,
  targets: JobTargets,
  controls: JobControls,
): TargetSelection {
  const selection = SELECTIONS.find((candidate) => candidate === value);
  if (!selection) throw new JobValidationError('targetSelection', `must be one of ${SELECTIONS.join(', ')}`);
  if (selection === 'continuous' && targets.kind !== 'query') {
    throw new JobValidationError('targetSelection', "'continuous' needs a queryCondition (not deviceIds)");
  }
  if (selection === 'continuous' && controls.rolloutConfig?.waves) {
    throw new JobValidationError(
      'rolloutConfig.waves',
      "cannot be combined with targetSelection 'continuous' (wave sizes are shares of a fixed set of targets)",
    );
  }
  return selection;
}
