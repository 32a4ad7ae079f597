import * as v from 'valibot';
import { DEVICE_ID_PATTERN, DEVICE_ID_RULE, JOB_ID_PATTERN, JOB_ID_RULE } from '../id-rules';

/** A job id (URL or body) and a schedule id: a string following {@link JOB_ID_RULE}. */
export const JobIdSchema = v.pipe(v.string('must be a string'), v.regex(JOB_ID_PATTERN, JOB_ID_RULE));

/** A device id: a string following {@link DEVICE_ID_RULE}. */
export const DeviceIdSchema = v.pipe(
  v.string(`is not a valid device id: it ${DEVICE_ID_RULE}`),
  v.regex(DEVICE_ID_PATTERN, `is not a valid device id: it ${DEVICE_ID_RULE}`),
);
