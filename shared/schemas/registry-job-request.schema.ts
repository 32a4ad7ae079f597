import type * as Wire from '@device-jobs/client/contract';
import * as v from 'valibot';
import { keyPath, objectMessage, plainObject } from '@device-jobs/client/schemas';

/**
 * A `POST /jobs/create` body (IoT Hub's JobProperties) of an `export` or `import` job. Reasons end with a full
 * stop: the API answers `<field>: <reason>`.
 */

/** IoT Hub's blob names when a request names none (no SDK call sets them). */
export const DEFAULT_DEVICES_BLOB = 'devices.txt';
export const IMPORT_ERRORS_BLOB = 'importErrors.log';

const REGISTRY_JOB_TYPES = ['export', 'import'] as const satisfies readonly Wire.RegistryJobType[];

const lowerCaseOf = (value: unknown) => (typeof value === 'string' ? value.toLowerCase() : value);

const JobTypeSchema = v.pipe(
  v.custom<string>(
    (value) => REGISTRY_JOB_TYPES.some((type) => type === lowerCaseOf(value)),
    (issue) =>
      "must be 'export' or 'import' (twin and method jobs use PUT /jobs/v2/{jobId}), " +
      `got ${JSON.stringify(issue.input)}.`,
  ),
  v.transform((value) => value.toLowerCase() as Wire.RegistryJobType),
  v.description('export or import (any case)'),
);

const ContainerUriSchema = v.pipe(
  v.custom<string>(
    (value) => typeof value === 'string' && value.trim() !== '',
    'is required: the URI of a blob container.',
  ),
  v.check(
    (value) => URL.canParse(value),
    (issue) => `'${String(issue.input)}' is not a URI.`,
  ),
  v.check(
    (value) => ['https:', 'http:'].includes(new URL(value).protocol),
    'must be an https (or, for local storage, http) URI.',
  ),
  v.check((value) => new URL(value).pathname.split('/').some(Boolean), 'must name a container.'),
);

const BLOB_NAME_RULE = 'must be a blob name of at most 1,024 characters.';
const BlobNameSchema = v.optional(
  v.pipe(
    v.nullable(
      v.union(
        [v.literal(''), v.pipe(v.string(BLOB_NAME_RULE), v.maxLength(1024, BLOB_NAME_RULE))],
        BLOB_NAME_RULE,
      ),
    ),
    v.transform((name) => name || DEFAULT_DEVICES_BLOB),
  ),
  DEFAULT_DEVICES_BLOB,
);

const AuthenticationTypeSchema = v.optional(
  v.pipe(
    v.custom<string | null>(
      (value) => value === null || ['keybased', 'identitybased'].includes(String(lowerCaseOf(value))),
      'must be keyBased or identityBased.',
    ),
    // The Node SDK sends `IdentityBased`, the REST spec and C# `identityBased`.
    v.transform((value): Wire.StorageAuthenticationType =>
      value?.toLowerCase() === 'identitybased' ? 'identityBased' : 'keyBased',
    ),
    v.description('keyBased or identityBased (any case)'),
  ),
  'keyBased',
);

const IdentitySchema = v.nullish(
  v.pipe(
    plainObject('must be an object.'),
    v.object({
      userAssignedIdentity: v.nullish(
        v.pipe(v.string('must be a resource id.'), v.nonEmpty('must be a resource id.')),
      ),
    }),
  ),
);

const BODY_RULE = 'must be a JSON object (JobProperties).';

const entries = {
  type: JobTypeSchema,
  excludeKeysInExport: v.optional(v.boolean('must be true or false.')),
  includeConfigurations: v.optional(
    v.pipe(
      v.custom<unknown>(
        (value) => value !== true,
        'is not supported: this service keeps no automatic device configurations.',
      ),
      v.description('only false: this service keeps no automatic device configurations'),
    ),
  ),
  inputBlobName: BlobNameSchema,
  outputBlobContainerUri: ContainerUriSchema,
  outputBlobName: BlobNameSchema,
  storageAuthenticationType: AuthenticationTypeSchema,
  inputBlobContainerUri: v.optional(v.unknown()),
  identity: IdentitySchema,
};

export const RegistryJobRequestSchema = v.pipe(
  plainObject(BODY_RULE),
  v.object(entries, objectMessage(entries, BODY_RULE)),
  v.rawTransform(({ dataset: { value: body }, addIssue, NEVER }) => {
    const request: RegistryJobRequest = {
      type: body.type,
      inputBlobName: body.inputBlobName,
      outputBlobContainerUri: body.outputBlobContainerUri,
      outputBlobName: body.outputBlobName,
      excludeKeysInExport: body.excludeKeysInExport === true,
      storageAuthenticationType: body.storageAuthenticationType,
    };
    if (body.type === 'import') {
      const container = v.safeParse(ContainerUriSchema, body.inputBlobContainerUri);
      if (!container.success) {
        addIssue({ message: container.issues[0].message, path: keyPath('inputBlobContainerUri') });
        return NEVER;
      }
      request.inputBlobContainerUri = container.output;
    }
    const identity = body.identity?.userAssignedIdentity;
    if (identity) request.userAssignedIdentity = identity;
    return request;
  }),
);

/** A validated `POST /jobs/create` body. */
export interface RegistryJobRequest {
  type: Wire.RegistryJobType;
  /** Import: the container holding `inputBlobName`. */
  inputBlobContainerUri?: string;
  inputBlobName: string;
  /** Export: where `outputBlobName` is written; import: where `importErrors.log` is written. */
  outputBlobContainerUri: string;
  outputBlobName: string;
  excludeKeysInExport: boolean;
  storageAuthenticationType: Wire.StorageAuthenticationType;
  /** A user-assigned identity's resource id (identityBased in Azure); absent: the app's system identity. */
  userAssignedIdentity?: string;
}
