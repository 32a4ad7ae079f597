import * as v from 'valibot';
import { DeviceIdSchema } from './id.schema';
import {
  AbortConfigSchema,
  CountMethodErrorsSchema,
  PrioritySchema,
  RetryConfigSchema,
  RolloutConfigSchema,
} from './rollout.schema';
import { TargetSelectionSchema } from './scheduling.schema';

/**
 * The fields of a job request that a tool can check as the service does without the service's query language or
 * cron library: the device ids, the rollout, abort and retry controls, counting, priority and targeting. Other
 * fields pass through (the service checks them and answers naming the field).
 */
export const JobControlsSchema = v.looseObject({
  deviceIds: v.optional(v.array(DeviceIdSchema)),
  rolloutConfig: v.optional(RolloutConfigSchema),
  abortConfig: v.optional(AbortConfigSchema),
  retryConfig: v.optional(RetryConfigSchema),
  countMethodErrorsAsFailures: v.optional(CountMethodErrorsSchema),
  priority: v.optional(PrioritySchema),
  targetSelection: v.optional(TargetSelectionSchema),
});
