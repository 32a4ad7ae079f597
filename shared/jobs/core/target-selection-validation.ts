import type { JobControls, TargetSelection } from '@device-jobs/client/contract';
import { JobValidationError } from './job-errors';
import type { JobTargets } from './job-model';
import { TargetSelectionSchema } from '@device-jobs/client/schemas';
import { parseJobField } from './rollout-config';

/**
 * Validates `targetSelection`: `continuous` needs a `queryCondition` (devices come to match a condition, not a list)
 * and no gated waves (their sizes are shares of a fixed set of targets).
 */
export function parseTargetSelection(
  value: unknown,
  targets: JobTargets,
  controls: JobControls,
): TargetSelection {
  const selection = parseJobField(TargetSelectionSchema, value, 'targetSelection');
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
