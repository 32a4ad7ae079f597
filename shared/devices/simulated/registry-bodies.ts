import { randomBytes } from 'node:crypto';
import { argumentInvalid, ArgumentInvalidError, isPlainObject } from '../../http';
import { DEVICE_ID_RULE, isDeviceId } from '../../iothub-rules';
import type { DeviceAuthentication, JsonObject } from '../device-model';
import { validateTwinSection } from '../twin-limits';
import type { SimulationProfile } from './simulation-profile';
import type { ScopeInput } from './edge-scopes';
import { IdentityInputSchema } from '../../schemas/device-identity.schema';
import { parseOrThrow } from '@device-jobs/client/schemas';

export function newSymmetricKey(): string {
  return randomBytes(32).toString('base64');
}

export function validateDeviceId(deviceId: unknown, where = 'deviceId'): string {
  if (!isDeviceId(deviceId)) throw new ArgumentInvalidError(`${where} ${DEVICE_ID_RULE}.`);
  return deviceId;
}

/** The fields of a device identity that a caller sets, validated. */
export interface IdentityInput {
  status: 'enabled' | 'disabled';
  statusReason: string | null;
  authentication: DeviceAuthentication;
  capabilities: { iotEdge: boolean };
  /** The device's own profile; `null` removes it, `undefined` (field absent) keeps what the device has. */
  simulation: SimulationProfile | null | undefined;
  scopes: ScopeInput;
}

export function readIdentityInput(body: Record<string, unknown>): IdentityInput {
  const { authentication, deviceScope, parentScopes, ...input } = parseOrThrow(
    IdentityInputSchema,
    body,
    '',
    argumentInvalid,
  );
  return {
    ...input,
    authentication:
      authentication.type === 'sas'
        ? {
            type: 'sas',
            symmetricKey: {
              primaryKey: authentication.symmetricKey.primaryKey ?? newSymmetricKey(),
              secondaryKey: authentication.symmetricKey.secondaryKey ?? newSymmetricKey(),
            },
          }
        : authentication,
    scopes: { deviceScope, parentScopes },
  };
}

/** Reads a twin patch or replacement body: only `tags` and `properties.desired` may be written. */
export function readTwinBody(
  body: Record<string, unknown>,
  allowNull: boolean,
): { tags?: JsonObject; desired?: JsonObject } {
  const result: { tags?: JsonObject; desired?: JsonObject } = {};
  if (body.tags !== undefined && body.tags !== null)
    result.tags = validateTwinSection(body.tags, 'tags', allowNull);
  const properties = body.properties;
  if (properties !== undefined && properties !== null) {
    if (!isPlainObject(properties)) throw new ArgumentInvalidError('properties must be an object.');
    if (properties.reported !== undefined) {
      throw new ArgumentInvalidError(
        'properties.reported belongs to the device: only tags and desired properties can be written.',
      );
    }
    if (properties.desired !== undefined && properties.desired !== null) {
      const desired = validateTwinSection(properties.desired, 'properties.desired', allowNull);
      const withoutVersion = Object.fromEntries(
        Object.entries(desired).filter(([key]) => key !== '$version' && key !== '$metadata'),
      );
      result.desired = withoutVersion;
    }
  }
  return result;
}
