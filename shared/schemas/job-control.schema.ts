import { JOB_ID_RULE } from '@device-jobs/client/contract';
import { closedObject, JobIdSchema } from '@device-jobs/client/schemas';
import * as v from 'valibot';
import { deviceJobStatusNamed } from '../jobs/core/job-request-validation';
import { DEVICE_JOB_STATUSES } from '../jobs/core/job-model';

/**
 * The bodies of the routes that act on an existing job: pause and resume, rollback, rerun. Their answers have
 * their own wording ("must be a JSON object", "is not a field of a rerun request (…)"), named by the field at fault;
 * the body itself is `body`.
 */

const BODY_RULE = 'must be a JSON object';

export const MAX_CONTROL_REASON_LENGTH = 512;
const REASON_RULE = `must be a non-empty string of at most ${MAX_CONTROL_REASON_LENGTH} characters`;

/** The body of `POST /jobs/v2/{jobId}/pause|resume`: optional (absent or `null`), `{ "reason": "…" }`. */
export const JobControlBodySchema = v.nullish(
  closedObject(
    {
      reason: v.nullish(
        v.pipe(
          v.string(REASON_RULE),
          v.check((reason) => reason.trim() !== '', REASON_RULE),
          v.maxLength(MAX_CONTROL_REASON_LENGTH, REASON_RULE),
          v.description('Why: recorded with the job as its last control action'),
        ),
      ),
    },
    { message: BODY_RULE, refusal: 'is not a field of a pause or resume request' },
  ),
  {},
);

/** A valid pause or resume body. */
export type JobControlBody = v.InferOutput<typeof JobControlBodySchema>;

const ROLLBACK_ENTRIES = {
  jobId: v.nullish(
    v.pipe(
      v.string('must be a string (the new job id)'),
      JobIdSchema,
      v.description(`The rollback job's id (absent: '<jobId>-rollback'); ${JOB_ID_RULE}`),
    ),
  ),
};

/** The body of `POST /jobs/v2/{jobId}/rollback`: optional (absent or `null`), `{ "jobId": "…" }`. */
export const RollbackBodySchema = v.nullish(
  closedObject(ROLLBACK_ENTRIES, {
    message: BODY_RULE,
    parent: 'a rollback request',
  }),
  {},
);

/** A valid rollback body. */
export type RollbackBody = v.InferOutput<typeof RollbackBodySchema>;

const DEVICE_STATUSES_RULE = 'must be a non-empty array of device job statuses';

/** A device job status in any letter case (`cancelled` too), read as its spelling. */
const DeviceJobStatusSchema = v.pipe(
  v.unknown(),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const status = typeof dataset.value === 'string' ? deviceJobStatusNamed(dataset.value) : undefined;
    if (status !== undefined) return status;
    addIssue({ message: `must be one of ${DEVICE_JOB_STATUSES.join(', ')}` });
    return NEVER;
  }),
);

const RERUN_ENTRIES = {
  jobId: v.pipe(v.string('is required (the new job id)'), JobIdSchema, v.description(JOB_ID_RULE)),
  deviceStatuses: v.pipe(
    v.array(v.unknown(), DEVICE_STATUSES_RULE),
    v.minLength(1, DEVICE_STATUSES_RULE),
    v.array(DeviceJobStatusSchema),
    v.transform((statuses) => [...new Set(statuses)]),
    v.description(`The parent's devices to run again, by their result: ${DEVICE_JOB_STATUSES.join(', ')}`),
  ),
  // Checked as the new job's startTime, once the parent is read (a missing parent answers first).
  startTime: v.nullish(v.pipe(v.unknown(), v.description("The new job's startTime (absent or null: now)"))),
};

/** The body of `POST /jobs/v2/{jobId}/rerun`: `{ jobId, deviceStatuses, startTime? }`. */
export const RerunBodySchema = closedObject(RERUN_ENTRIES, {
  message: BODY_RULE,
  parent: 'a rerun request',
});

/** A valid rerun body: the new job's id, the parent's device statuses to rerun (no repeats), its startTime. */
export type RerunBody = v.InferOutput<typeof RerunBodySchema>;
