import * as v from 'valibot';
import { keyPath, plainObject } from '@device-jobs/client/schemas';
import {
  exceedsBytes,
  isPlainObject,
  jsonByteLength,
  TWIN_LIMITS,
  twinKeyProblem,
  type TwinKeyRule,
} from '../iothub-rules';
import type { JsonObject } from '../devices/device-model';
import type { TwinPatch } from '../jobs/core/job-model';
import { fieldsInOrder } from './fields-in-order';

/**
 * Twin documents and patches under IoT Hub's twin rules (`shared/iothub-rules/twin-rules.ts`): key characters and
 * sizes, string sizes, finite numbers, nesting depth, section sizes. Twin JSON is free-form, so a section is one
 * walk over its own keys (valibot's record and object schemas would leave `__proto__` and `constructor` out);
 * a key fault names the object holding the key, a value fault the value.
 */

/** How a section is written. */
export interface TwinSectionRules {
  /** A patch may hold null (it deletes the key); a replacement may not. */
  allowNull: boolean;
  keys: TwinKeyRule;
  /** The section's size limit in bytes of JSON, checked after its content. */
  maxBytes?: number;
}

interface Fault {
  path: (string | number)[];
  reason: string;
}

// The path is one array pushed and popped along the walk, copied only for a fault: twin writes are a hot path.
function objectFault(
  object: Record<string, unknown>,
  path: (string | number)[],
  depth: number,
  rules: TwinSectionRules,
): Fault | undefined {
  for (const key of Object.keys(object)) {
    const keyProblem = twinKeyProblem(key, rules.keys);
    if (keyProblem) return { path: [...path], reason: keyProblem };
    path.push(key);
    const fault = valueFault(object[key], path, depth, rules, rules.allowNull);
    if (fault) return fault;
    path.pop();
  }
  return undefined;
}

function valueFault(
  value: unknown,
  path: (string | number)[],
  depth: number,
  rules: TwinSectionRules,
  allowNull: boolean,
): Fault | undefined {
  const fault = (reason: string) => ({ path: [...path], reason });
  if (value === null) return allowNull ? undefined : fault('is null: a twin cannot hold null values');
  if (typeof value === 'string') {
    return exceedsBytes(value, TWIN_LIMITS.stringBytes)
      ? fault(`string values may be at most ${TWIN_LIMITS.stringBytes} bytes`)
      : undefined;
  }
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : fault('must be a finite number');
  if (typeof value === 'boolean') return undefined;
  if (!Array.isArray(value) && !isPlainObject(value)) return fault('must be a JSON value');
  if (depth + 1 > TWIN_LIMITS.maxDepth) {
    return fault(`twin objects may be nested at most ${TWIN_LIMITS.maxDepth} levels deep`);
  }
  if (isPlainObject(value)) return objectFault(value, path, depth + 1, rules);
  for (let index = 0; index < value.length; index++) {
    path.push(index);
    const itemFault = valueFault(value[index], path, depth + 1, rules, false);
    if (itemFault) return itemFault;
    path.pop();
  }
  return undefined;
}

/** A section of JSON at most `maxBytes` long, answering "is N bytes: the limit is M bytes". */
export const sectionSizeSchema = <TInput>(maxBytes: number) =>
  v.check(
    (section: TInput) => jsonByteLength(section) <= maxBytes,
    (issue: v.CheckIssue<TInput>) =>
      `is ${jsonByteLength(issue.input)} bytes: the limit is ${maxBytes} bytes`,
  );

/** A twin section (tags, desired or reported properties) as a JSON object following `rules`. */
export function twinSectionSchema(rules: TwinSectionRules): v.GenericSchema<unknown, JsonObject> {
  const content = v.pipe(
    v.custom<JsonObject>(isPlainObject, 'must be a JSON object'),
    v.rawCheck<JsonObject>(({ dataset, addIssue }) => {
      if (!dataset.typed) return;
      const fault = objectFault(dataset.value, [], 0, rules);
      if (fault) {
        addIssue({
          message: fault.reason,
          ...(fault.path.length > 0 ? { path: keyPath(...fault.path) } : {}),
        });
      }
    }),
  );
  return rules.maxBytes === undefined ? content : v.pipe(content, sectionSizeSchema(rules.maxBytes));
}

/** The size limits of a twin's sections, as checked after a change was applied. */
export const TwinSectionSizeSchemas = {
  tags: v.pipe(v.unknown(), sectionSizeSchema(TWIN_LIMITS.tagsBytes)),
  desired: v.pipe(v.unknown(), sectionSizeSchema(TWIN_LIMITS.desiredBytes)),
  reported: v.pipe(v.unknown(), sectionSizeSchema(TWIN_LIMITS.reportedBytes)),
};

/** A reported-properties patch a device sends (null deletes a key). */
export const ReportedPatchSchema = twinSectionSchema({ allowNull: true, keys: 'twin' });

const READ_ONLY_REPORTED = 'belongs to the device: only tags and desired properties can be written';

/**
 * A twin body a service writes (`PATCH`/`PUT /twins/{id}`, bulk registry entries, the simulated gateway): only
 * `tags` and `properties.desired`; other fields a whole twin carries are passed over.
 */
function twinBodySchema(allowNull: boolean) {
  const section = twinSectionSchema({ allowNull, keys: 'twin' });
  return v.pipe(
    v.object({
      tags: v.nullish(section),
      properties: v.nullish(
        v.pipe(
          plainObject('must be an object'),
          v.object({
            reported: v.optional(v.custom<never>(() => false, READ_ONLY_REPORTED)),
            desired: v.nullish(section),
          }),
        ),
      ),
    }),
    v.transform(({ tags, properties }) => {
      const change: { tags?: JsonObject; desired?: JsonObject } = {};
      if (tags) change.tags = tags;
      if (properties?.desired) change.desired = properties.desired;
      return change;
    }),
  );
}

/** A twin patch (null deletes a key). */
export const TwinPatchBodySchema = twinBodySchema(true);
/** A twin replacement (no null values). */
export const TwinReplacementBodySchema = twinBodySchema(false);

/**
 * Twin fields the SDKs send along with a patch (a `Twin` object serialised whole) that a job cannot change;
 * they are accepted and ignored.
 */
const IGNORED_TWIN_FIELDS = new Set([
  'deviceId',
  'moduleId',
  'version',
  'status',
  'statusReason',
  'statusUpdateTime',
  'connectionState',
  'lastActivityTime',
  'cloudToDeviceMessageCount',
  'authenticationType',
  'x509Thumbprint',
  'capabilities',
  'deviceEtag',
  'modelId',
]);

/** A job's twin sections follow the twin rules with the job's stricter key rule (see `TwinKeyRule`). */
const jobSection = (maxBytes: number) => twinSectionSchema({ allowNull: true, keys: 'job', maxBytes });

const isEmptyObject = (value: unknown) => isPlainObject(value) && Object.keys(value).length === 0;

const NOT_DESIRED = 'is not writable: only properties.desired may be changed';

const JobPropertiesSchema = v.pipe(
  plainObject('must be a JSON object'),
  fieldsInOrder(
    {
      desired: v.nullish(jobSection(TWIN_LIMITS.desiredBytes)),
      reported: v.nullish(v.custom<JsonObject>(isEmptyObject, NOT_DESIRED)),
    },
    { refusal: NOT_DESIRED },
  ),
);

/**
 * A `scheduleUpdateTwin` job's `updateTwin`: its writable part, `tags`, `properties.desired` and a specific etag
 * (`*` is none), fields checked in the order given.
 */
export const JobTwinPatchSchema = v.pipe(
  plainObject('must be a JSON object (a twin patch)'),
  fieldsInOrder(
    {
      tags: v.nullish(jobSection(TWIN_LIMITS.tagsBytes)),
      properties: v.nullish(JobPropertiesSchema),
      etag: v.nullish(v.string('must be a string')),
    },
    {
      ignored: IGNORED_TWIN_FIELDS,
      refusal: 'is not writable: a twin job may change only tags and properties.desired',
    },
  ),
  // In the order given, as the job stores and answers it.
  v.transform((fields) => {
    const patch: TwinPatch = {};
    for (const key of Object.keys(fields)) {
      if (key === 'tags' && fields.tags) patch.tags = fields.tags;
      if (key === 'properties' && fields.properties?.desired) {
        patch.properties = { desired: fields.properties.desired };
      }
      if (key === 'etag' && typeof fields.etag === 'string' && fields.etag !== '*') patch.etag = fields.etag;
    }
    return patch;
  }),
  v.check((patch) => !!patch.tags || !!patch.properties, 'must change tags or properties.desired'),
);
