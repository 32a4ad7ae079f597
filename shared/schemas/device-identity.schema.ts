import * as v from 'valibot';
import { DEVICE_ID_PATTERN, DEVICE_ID_RULE, isPlainObject } from '../iothub-rules';
import { plainObject } from '@device-jobs/client/schemas';
import { SimulationProfileSchema } from './simulation-profile.schema';

/**
 * The fields of a device identity that a caller sets (`PUT /devices/{id}`, bulk `POST /devices` entries, import
 * lines), as IoT Hub reads them: absent or null fields take IoT Hub's defaults, and the parts IoT Hub reads
 * leniently (capabilities, the unused authentication half, thumbprints) stay lenient. Reasons name no field.
 */

/** A device id in a registry body or line; the answer names where it was read (`Entry 3: id must be …`). */
export const RegistryDeviceIdSchema = v.pipe(
  v.string(DEVICE_ID_RULE),
  v.regex(DEVICE_ID_PATTERN, DEVICE_ID_RULE),
);

/** The default of a field read when absent too (valibot's object schemas skip absent fields without one). */
const absent = () => undefined;

const KEY_RULE = 'must be a base64 key of 16 to 64 bytes';

/** A symmetric key: base64 of at least 16 bytes; absent, null or empty is `undefined` (the registry makes one). */
const SymmetricKeySchema = v.pipe(
  v.optional(v.unknown(), absent),
  v.check(
    (key) =>
      key === undefined ||
      key === null ||
      key === '' ||
      (typeof key === 'string' && Buffer.from(key, 'base64').length >= 16),
    KEY_RULE,
  ),
  v.transform((key) => (typeof key === 'string' && key !== '' ? key : undefined)),
);

const ThumbprintSchema = v.pipe(
  v.optional(v.unknown(), absent),
  v.transform((thumbprint) => (typeof thumbprint === 'string' && thumbprint !== '' ? thumbprint : null)),
);

/** An object IoT Hub reads leniently: anything else counts as `{}`. */
const lenientObject = <TEntries extends v.ObjectEntries>(entries: TEntries) =>
  v.pipe(
    v.optional(v.unknown(), absent),
    v.transform((value) => (isPlainObject(value) ? value : {})),
    v.object(entries),
  );

const X509_TYPES = ['selfSigned', 'certificateAuthority', 'none'] as const;

/** `authentication`: SAS (default) with its keys, or an X.509/none type with its thumbprints. */
export const AuthenticationSchema = v.pipe(
  v.nullish(plainObject('must be an object'), () => ({})),
  v.transform((authentication) => ({ ...authentication, type: authentication.type ?? 'sas' })),
  v.variant(
    'type',
    [
      v.object({
        type: v.literal('sas'),
        symmetricKey: lenientObject({ primaryKey: SymmetricKeySchema, secondaryKey: SymmetricKeySchema }),
      }),
      v.object({
        type: v.picklist(X509_TYPES),
        x509Thumbprint: lenientObject({
          primaryThumbprint: ThumbprintSchema,
          secondaryThumbprint: ThumbprintSchema,
        }),
      }),
    ],
    (issue) => `${JSON.stringify(issue.input)} is not supported`,
  ),
);

const SCOPES_RULE = 'must be a list of scope strings';

/** The identity fields, checked in this order. */
export const IdentityInputSchema = v.object({
  status: v.nullish(v.picklist(['enabled', 'disabled'], "must be 'enabled' or 'disabled'"), 'enabled'),
  statusReason: v.pipe(
    v.nullish(v.string('must be a string'), null),
    v.transform((reason) => (reason ? reason : null)),
  ),
  authentication: AuthenticationSchema,
  capabilities: v.pipe(
    v.optional(v.unknown(), absent),
    v.transform((capabilities) => ({
      iotEdge: isPlainObject(capabilities) && capabilities.iotEdge === true,
    })),
  ),
  /** The device's own profile; `null` removes it, `undefined` (field absent) keeps what the device has. */
  simulation: v.optional(v.nullable(SimulationProfileSchema), absent),
  deviceScope: v.pipe(
    v.nullish(v.string('must be a string'), absent),
    v.transform((scope) => (scope ? scope : undefined)),
  ),
  parentScopes: v.pipe(
    v.nullish(
      // The whole list is named, not the item at fault.
      v.custom<string[]>(
        (scopes) => Array.isArray(scopes) && scopes.every((scope) => typeof scope === 'string'),
        SCOPES_RULE,
      ),
      absent,
    ),
    v.check((scopes) => !scopes || scopes.length <= 1, 'holds at most one scope: a device has one parent'),
    v.transform((scopes) => scopes ?? undefined),
  ),
});
