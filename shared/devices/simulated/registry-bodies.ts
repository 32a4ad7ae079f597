import { randomBytes } from 'node:crypto';
import { ArgumentInvalidError, isPlainObject } from '../../http';
import { DEVICE_ID_RULE, isDeviceId } from '../../iothub-rules';
import type { DeviceAuthentication, JsonObject } from '../device-model';
import { validateTwinSection } from '../twin-limits';
import { parseSimulationProfile, type SimulationProfile } from './simulation-profile';
import { readScopeInput, type ScopeInput } from './edge-scopes';

export function newSymmetricKey(): string {
  return randomBytes(32).toString('base64');
}

export function validateDeviceId(deviceId: unknown, where = 'deviceId'): string {
  if (!isDeviceId(deviceId)) throw new ArgumentInvalidError(`${where} ${DEVICE_ID_RULE}.`);
  return deviceId;
}

function readAuthentication(value: unknown): DeviceAuthentication {
  if (value === undefined || value === null) value = {};
  if (!isPlainObject(value)) throw new ArgumentInvalidError('authentication must be an object.');
  const type = value.type ?? 'sas';
  if (type !== 'sas' && type !== 'selfSigned' && type !== 'certificateAuthority' && type !== 'none') {
    throw new ArgumentInvalidError(`authentication.type ${JSON.stringify(type)} is not supported.`);
  }
  if (type !== 'sas') {
    const thumb = isPlainObject(value.x509Thumbprint) ? value.x509Thumbprint : {};
    const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
    return {
      type,
      x509Thumbprint: {
        primaryThumbprint: text(thumb.primaryThumbprint),
        secondaryThumbprint: text(thumb.secondaryThumbprint),
      },
    };
  }
  const keys = isPlainObject(value.symmetricKey) ? value.symmetricKey : {};
  const key = (v: unknown, name: string): string => {
    if (v === undefined || v === null || v === '') return newSymmetricKey();
    if (typeof v !== 'string' || Buffer.from(v, 'base64').length < 16) {
      throw new ArgumentInvalidError(
        `authentication.symmetricKey.${name} must be a base64 key of 16 to 64 bytes.`,
      );
    }
    return v;
  };
  return {
    type: 'sas',
    symmetricKey: {
      primaryKey: key(keys.primaryKey, 'primaryKey'),
      secondaryKey: key(keys.secondaryKey, 'secondaryKey'),
    },
  };
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
  const status = body.status ?? 'enabled';
  if (status !== 'enabled' && status !== 'disabled') {
    throw new ArgumentInvalidError(`status must be 'enabled' or 'disabled'.`);
  }
  if (
    body.statusReason !== undefined &&
    body.statusReason !== null &&
    typeof body.statusReason !== 'string'
  ) {
    throw new ArgumentInvalidError('statusReason must be a string.');
  }
  const capabilities = isPlainObject(body.capabilities) ? body.capabilities : {};
  return {
    status,
    statusReason:
      typeof body.statusReason === 'string' && body.statusReason !== '' ? body.statusReason : null,
    authentication: readAuthentication(body.authentication),
    capabilities: { iotEdge: capabilities.iotEdge === true },
    simulation:
      body.simulation === undefined || body.simulation === null
        ? body.simulation
        : parseSimulationProfile(body.simulation),
    scopes: readScopeInput(body),
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
