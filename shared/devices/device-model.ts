import type { SimulationProfile } from './simulated/simulation-profile';

/** A JSON value as twins hold it (a twin never holds null: null in a patch deletes). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** `$metadata` of a twin section: `$lastUpdated` (and `$lastUpdatedVersion` for desired) per object and leaf. */
export type TwinMetadata = { [key: string]: JsonValue };

/** A twin section (desired or reported) with its version and metadata. */
export interface TwinSection {
  values: JsonObject;
  version: number;
  metadata: TwinMetadata;
}

export type DeviceStatus = 'enabled' | 'disabled';

/** Authentication of a device identity, as IoT Hub's registry holds it. */
export interface DeviceAuthentication {
  type: 'sas' | 'selfSigned' | 'certificateAuthority' | 'none';
  symmetricKey?: { primaryKey: string; secondaryKey: string };
  x509Thumbprint?: { primaryThumbprint: string | null; secondaryThumbprint: string | null };
}

/** One device of the embedded registry: its identity and its twin, stored together. */
export interface DeviceRecord {
  deviceId: string;
  generationId: string;
  /** Bumped on every identity change; the device etag is derived from it. */
  identityVersion: number;
  status: DeviceStatus;
  statusReason: string | null;
  statusUpdatedTime: string;
  createdTime: string;
  authentication: DeviceAuthentication;
  capabilities: { iotEdge: boolean };
  /** The device's own simulation profile (extension field); absent means the default profile. */
  simulation?: SimulationProfile;
  /** Bumped on every twin change (tags, desired, reported); the twin etag is derived from it. */
  twinVersion: number;
  tags: JsonObject;
  tagsLastUpdated: string;
  desired: TwinSection;
  reported: TwinSection;
  /** When the simulated device will report its desired properties back (epoch ms), if a report is pending. */
  reportDueAt?: number;
}

/** The device identity on the wire (`PUT/GET /devices/{id}`), plus the `simulation` extension. */
export interface DeviceIdentityWire {
  deviceId: string;
  generationId: string;
  etag: string;
  connectionState: 'Connected' | 'Disconnected';
  status: DeviceStatus;
  statusReason: string | null;
  connectionStateUpdatedTime: string;
  statusUpdatedTime: string;
  lastActivityTime: string;
  cloudToDeviceMessageCount: number;
  authentication: DeviceAuthentication;
  capabilities: { iotEdge: boolean };
  simulation?: SimulationProfile;
}

/** A twin on the wire (`GET /twins/{id}`, query results). */
export interface TwinWire {
  deviceId: string;
  etag: string;
  deviceEtag: string;
  status: DeviceStatus;
  statusReason?: string;
  statusUpdateTime: string;
  connectionState: 'Connected' | 'Disconnected';
  lastActivityTime: string;
  cloudToDeviceMessageCount: number;
  authenticationType: string;
  x509Thumbprint: { primaryThumbprint: string | null; secondaryThumbprint: string | null };
  modelId: string;
  version: number;
  tags: JsonObject;
  properties: { desired: JsonObject; reported: JsonObject };
  capabilities: { iotEdge: boolean };
}

/** What a service may change in a twin: tags and desired properties. */
export interface TwinPatch {
  tags?: JsonObject;
  desired?: JsonObject;
}

/** The never-seen timestamp IoT Hub reports for devices that never connected. */
export const NEVER = '0001-01-01T00:00:00Z';

/** IoT Hub's device id rule: up to 128 ASCII letters, digits and `- . % _ * ? ! ( ) , : = @ $ '`. */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9\-.%_*?!(),:=@$']{1,128}$/;

/** Etags: base64 of the version, as IoT Hub's twin etags look (`AAAAAAAAAAE=`). */
export function versionEtag(version: number): string {
  const buffer = Buffer.alloc(8);
  buffer.writeBigUInt64BE(BigInt(version));
  return buffer.toString('base64');
}

/** The device etag: base64 of the generation and identity version, distinct from the twin etag. */
export function deviceEtag(record: Pick<DeviceRecord, 'generationId' | 'identityVersion'>): string {
  return Buffer.from(`${record.generationId}:${record.identityVersion}`).toString('base64');
}
