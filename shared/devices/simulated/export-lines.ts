import { deviceEtag, versionEtag } from '../../iothub-rules';
import type { DeviceAuthentication, DeviceRecord, JsonObject } from '../device-model';
import { cloneJson } from '../twin-document';
import type { SimulationProfile } from './simulation-profile';

/** One line of `devices.txt`: IoT Hub's `ExportImportDevice`, plus this service's `simulation` profile. */
export interface ExportImportDeviceLine {
  id: string;
  eTag: string;
  status: 'enabled' | 'disabled';
  statusReason?: string;
  authentication: DeviceAuthentication | ExcludedKeysAuthentication;
  twinETag: string;
  tags: JsonObject;
  properties: { desired: JsonObject; reported: JsonObject };
  capabilities: { iotEdge: boolean };
  deviceScope?: string;
  parentScopes?: string[];
  simulation?: SimulationProfile;
}

/** Authentication of a key-less export: the keys are null, everything else stays. */
interface ExcludedKeysAuthentication {
  type: DeviceAuthentication['type'];
  symmetricKey: { primaryKey: null; secondaryKey: null };
  x509Thumbprint?: DeviceAuthentication['x509Thumbprint'];
}

function authenticationOf(
  record: DeviceRecord,
  excludeKeys: boolean,
): ExportImportDeviceLine['authentication'] {
  if (!excludeKeys) return record.authentication;
  const { type, x509Thumbprint } = record.authentication;
  const excluded: ExcludedKeysAuthentication = {
    type,
    symmetricKey: { primaryKey: null, secondaryKey: null },
  };
  if (x509Thumbprint) excluded.x509Thumbprint = x509Thumbprint;
  return excluded;
}

/** The export line of a device (its record as of now: a due report applied). */
export function exportLineOf(record: DeviceRecord, excludeKeys: boolean): ExportImportDeviceLine {
  const line: ExportImportDeviceLine = {
    id: record.deviceId,
    eTag: deviceEtag(record),
    status: record.status,
    authentication: authenticationOf(record, excludeKeys),
    twinETag: versionEtag(record.twinVersion),
    tags: cloneJson(record.tags),
    properties: { desired: cloneJson(record.desired.values), reported: cloneJson(record.reported.values) },
    capabilities: record.capabilities,
  };
  if (record.statusReason !== null) line.statusReason = record.statusReason;
  if (record.deviceScope) line.deviceScope = record.deviceScope;
  if (record.parentScopes && record.parentScopes.length > 0) line.parentScopes = record.parentScopes;
  if (record.simulation) line.simulation = record.simulation;
  return line;
}
