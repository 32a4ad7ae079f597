import { randomBytes } from 'node:crypto';
import { argumentInvalid } from '../../http';
import type { DeviceAuthentication, JsonObject } from '../device-model';
import { TwinPatchBodySchema, TwinReplacementBodySchema } from '../../schemas/twin.schema';
import type { SimulationProfile } from './simulation-profile';
import type { ScopeInput } from './edge-scopes';
import { IdentityInputSchema, RegistryDeviceIdSchema } from '../../schemas/device-identity.schema';
import { parseOrThrow } from '@device-jobs/client/schemas';

export function newSymmetricKey(): string {
  return randomBytes(32).toString('base64');
}

/** Reads a device id; `where` names it in the answer (`Entry 3: id must be …`). */
export function validateDeviceId(deviceId: unknown, where = 'deviceId'): string {
  return parseOrThrow(RegistryDeviceIdSchema, deviceId, where, argumentInvalid);
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
  return parseOrThrow(allowNull ? TwinPatchBodySchema : TwinReplacementBodySchema, body, '', argumentInvalid);
}
