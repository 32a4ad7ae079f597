import { deviceEtag, versionEtag } from '../../iothub-rules';
import { NEVER, type DeviceIdentityWire, type DeviceRecord, type TwinWire } from '../device-model';
import { cloneJson, sectionToWire } from '../twin-document';
import { isOnline } from './simulated-device';
import type { SimulationProfile } from './simulation-profile';

const connectionState = (record: DeviceRecord, profile: SimulationProfile) =>
  isOnline(record, profile) ? 'Connected' : 'Disconnected';

/** The device identity as `GET/PUT /devices/{id}` answer it, with the `simulation` extension. */
export function identityWire(record: DeviceRecord, profile: SimulationProfile): DeviceIdentityWire {
  const wire: DeviceIdentityWire = {
    deviceId: record.deviceId,
    generationId: record.generationId,
    etag: deviceEtag(record),
    connectionState: connectionState(record, profile),
    status: record.status,
    statusReason: record.statusReason,
    connectionStateUpdatedTime: record.connection?.stateUpdatedTime ?? record.createdTime,
    statusUpdatedTime: record.statusUpdatedTime,
    lastActivityTime: record.connection?.lastActivityTime ?? NEVER,
    cloudToDeviceMessageCount: 0,
    authentication: record.authentication,
    capabilities: record.capabilities,
    parentScopes: record.parentScopes ?? [],
  };
  if (record.deviceScope) wire.deviceScope = record.deviceScope;
  if (record.simulation) wire.simulation = record.simulation;
  if (record.connection) wire.deviceKind = 'real';
  return wire;
}

/** The twin as `GET /twins/{id}` and twin queries answer it. */
export function twinWire(record: DeviceRecord, profile: SimulationProfile): TwinWire {
  const twin: TwinWire = {
    deviceId: record.deviceId,
    etag: versionEtag(record.twinVersion),
    deviceEtag: deviceEtag(record),
    status: record.status,
    statusUpdateTime: record.statusUpdatedTime,
    connectionState: connectionState(record, profile),
    lastActivityTime: record.connection?.lastActivityTime ?? NEVER,
    cloudToDeviceMessageCount: 0,
    authenticationType: record.authentication.type,
    x509Thumbprint: record.authentication.x509Thumbprint ?? {
      primaryThumbprint: null,
      secondaryThumbprint: null,
    },
    modelId: '',
    version: record.twinVersion,
    tags: cloneJson(record.tags),
    properties: { desired: sectionToWire(record.desired), reported: sectionToWire(record.reported) },
    capabilities: record.capabilities,
    parentScopes: record.parentScopes ?? [],
  };
  if (record.deviceScope) twin.deviceScope = record.deviceScope;
  if (record.statusReason !== null) twin.statusReason = record.statusReason;
  if (record.connection) twin.deviceKind = 'real';
  return twin;
}
