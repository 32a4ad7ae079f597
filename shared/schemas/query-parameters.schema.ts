import * as v from 'valibot';
import { jobStatusFromName } from '../jobs/core/job-request-validation';
import { jobTypeFromName } from './job-request.schema';
import { PagingParameters } from './paging.schema';

/**
 * The query parameters of the routes, each a schema of the text a URL carries (absent: `undefined`). The handlers
 * parse with them and the OpenAPI document lists them as the operations' `parameters`. Reasons name no field.
 */

/** `api-version`: the SDKs send IoT Hub's API version; the service speaks one version and accepts any. */
export const ApiVersionSchema = v.pipe(
  v.optional(v.string()),
  v.description("IoT Hub's API version, as the SDKs send it (any value is accepted)"),
);

/** `dryRun` of `PUT /jobs/v2/{jobId}`: true or false in any letter case; absent or empty is false. */
export const DryRunSchema = v.pipe(
  v.optional(v.string(), ''),
  v.description('true: validate and estimate the job without creating it (true or false, any case)'),
  v.check(
    (value) => ['', 'true', 'false'].includes(value.toLowerCase()),
    (issue) => `must be true or false, got '${String(issue.input)}'`,
  ),
  v.transform((value) => value.toLowerCase() === 'true'),
);

/** IoT Hub lists at most 1,000 device identities (`GET /devices?top=n`). */
export const MAX_LISTED_DEVICES = 1000;

const TOP_RULE = `must be a whole number from 1 to ${MAX_LISTED_DEVICES}`;
const isTop = (count: number) => Number.isInteger(count) && count >= 1 && count <= MAX_LISTED_DEVICES;

/** `top` of `GET /devices`: how many identities to list, 1 to 1,000 (absent: 1,000). */
export const ListTopSchema = v.pipe(
  v.optional(v.string()),
  v.description(`How many identities to list: 1 to ${MAX_LISTED_DEVICES} (default ${MAX_LISTED_DEVICES})`),
  v.check((top) => top === undefined || isTop(Number(top)), TOP_RULE),
  v.transform((top) => (top === undefined ? MAX_LISTED_DEVICES : Number(top))),
);

/** A filter by name: absent or empty is no filter, a known name (any case, either vocabulary) its canonical form. */
const nameFilter = <T>(describe: string, what: string, canonical: (name: string) => T | undefined) =>
  v.pipe(
    v.optional(v.string(), ''),
    v.description(describe),
    v.check(
      (name) => name === '' || canonical(name) !== undefined,
      (issue) => `'${String(issue.input)}' is not a ${what}`,
    ),
    v.transform((name) => (name === '' ? undefined : canonical(name))),
  );

/** `jobType` of `GET /jobs/v2/query`. */
export const JobTypeFilterSchema = nameFilter(
  'Only jobs of this type (scheduleDeviceMethod, scheduleUpdateTwin; any case, either vocabulary)',
  'job type',
  jobTypeFromName,
);

/** `jobStatus` of `GET /jobs/v2/query`. */
export const JobStatusFilterSchema = nameFilter(
  'Only jobs in this status (any case; pending and canceled are read as queued and cancelled)',
  'job status',
  jobStatusFromName,
);

/** `GET /jobs/v2/query`. */
export const JobsQueryParameters = {
  jobType: JobTypeFilterSchema,
  jobStatus: JobStatusFilterSchema,
  ...PagingParameters,
};

/** `PUT /jobs/v2/{jobId}`. */
export const CreateJobParameters = { dryRun: DryRunSchema };

/** `GET /devices`. */
export const ListDevicesParameters = { top: ListTopSchema };
