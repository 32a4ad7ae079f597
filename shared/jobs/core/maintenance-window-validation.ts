import type { SchedulingConfig } from '@device-jobs/client/contract';
import { schedulingConfigSchema } from '@device-jobs/client/schemas';
import type { CronParser } from './job-schedule-model';
import { parseJobField } from './rollout-config';

/**
 * Validates `schedulingConfig` (maintenance windows) with the NCRONTAB parser the schedules use; throws
 * {@link JobValidationError} naming the first invalid field. Defaults: `timeZone` UTC, `endBehavior` stopRollout.
 */
export function parseSchedulingConfig(
  value: unknown,
  parseCron: CronParser,
  field = 'schedulingConfig',
): SchedulingConfig {
  return parseJobField(schedulingConfigSchema(parseCron), value, field);
}
