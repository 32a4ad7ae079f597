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
  /** IoT Edge scope: an edge device's own, or a leaf device's parent edge's. */
  deviceScope?: string;
  /** The scope of the parent edge (at most one). */
  parentScopes?: string[];
  /** The import line that last wrote the device (`<jobId>:<line>`): a re-run import step skips it. */
  importedBy?: string;
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
  /**
   * Present once a real client has connected with this identity (the device is real from then on, until a
   * `simulation` profile is set): its connection as the device endpoint last recorded it.
   */
  connection?: DeviceConnection;
}

/** A real device's connection, as the device endpoint records it in the registry. */
export interface DeviceConnection {
  state: 'Connected' | 'Disconnected';
  stateUpdatedTime: string;
  lastActivityTime: string;
  /** The endpoint instance holding (or last holding) the connection. */
  endpointId: string;
  /** This connection; a newer connection of the device replaces it, and only it may record its own end. */
  connectionId: string;
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
  deviceScope?: string;
  parentScopes: string[];
  simulation?: SimulationProfile;
  /** Extension: `real` once a client has connected with the identity (absent while the device is simulated). */
  deviceKind?: 'real';
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
  deviceScope?: string;
  parentScopes: string[];
  /** Extension, as on the identity: `real` once a client has connected with the identity (queryable). */
  deviceKind?: 'real';
}

/** The never-seen timestamp IoT Hub reports for devices that never connected. */
export const NEVER = '0001-01-01T00:00:00Z';
