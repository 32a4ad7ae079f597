import type { MethodInvocation, MethodResult } from './method-request';

export type { MethodInvocation, MethodResult } from './method-request';

/** The devices a job targets: an IoT Hub query condition (`*` = all devices) or a list of device ids. */
export type TargetSelection = { condition: string } | { deviceIds: readonly string[] };

/**
 * What a service may change in a twin through the gateway: tags and desired properties (null deletes a key).
 * Values are validated by the adapter (IoT Hub's twin rules), hence `unknown`.
 */
export interface GatewayTwinPatch {
  tags?: Record<string, unknown>;
  properties?: { desired?: Record<string, unknown> };
}

export interface TargetPageRequest {
  maxItems: number;
  continuation?: string;
}

export interface TargetPage {
  deviceIds: string[];
  continuation?: string;
}

/** The writable part of a twin. */
export interface TwinContent {
  tags: Record<string, unknown>;
  desired: Record<string, unknown>;
}

/** The twin after an update. */
export interface TwinUpdateResult {
  deviceId: string;
  etag: string;
  version: number;
}

/**
 * The codes of the errors the gateway's operations throw (as `IotHubError`s from `shared/http`, each carrying
 * `code` and `status`). Callers narrow on `code`:
 * - `DeviceNotFound`: no such device. `DeviceNotOnline`: the device is not connected (direct methods).
 * - `GatewayTimeout`: the device did not answer within `responseTimeoutInSeconds`.
 * - `PreconditionFailed`: the twin etag did not match. `ArgumentInvalid`: the call or patch is invalid.
 * - `ThrottlingException` / `ServiceUnavailable`: still failing after the gateway's own retries.
 * - `IotHubUnauthorizedAccess`: the gateway's credentials were refused.
 */
export type GatewayErrorCode =
  | 'DeviceNotFound'
  | 'DeviceNotOnline'
  | 'GatewayTimeout'
  | 'PreconditionFailed'
  | 'ArgumentInvalid'
  | 'ThrottlingException'
  | 'ServiceUnavailable'
  | 'IotHubUnauthorizedAccess';

/**
 * The job engine's access to devices, wherever they live: the embedded registry with simulated devices, or a
 * real IoT Hub through the official SDK. Implementations retry throttling themselves.
 */
export interface DeviceGateway {
  /**
   * The ids of the targeted devices, page by page (each page at most `pageSize` ids, default 100). A condition
   * yields the devices that exist and match it; an id list yields each listed id once, in the given order,
   * whether or not it exists (acting on a missing one fails with `DeviceNotFound`, so it is reported per device).
   * Throws `ArgumentInvalid` for a condition that does not parse.
   */
  resolveTargets(selection: TargetSelection, options?: { pageSize?: number }): AsyncIterable<string[]>;

  /**
   * One page of the ids of the devices matching a condition, resumable from `continuation` (absent on the last
   * page) by another process later: the job engine resolves targets in time-bounded steps.
   */
  resolveTargetsPage(condition: string, page: TargetPageRequest): Promise<TargetPage>;

  /** The twin's tags and desired properties. */
  readTwin(deviceId: string): Promise<TwinContent>;

  /** Invokes a direct method and returns the device's answer (any status the device chose, e.g. 500). */
  invokeMethod(deviceId: string, call: MethodInvocation): Promise<MethodResult>;

  /** Applies a twin patch (merge); `etag` `*` (the default) overwrites whatever version is current. */
  updateTwin(deviceId: string, patch: GatewayTwinPatch, etag?: string): Promise<TwinUpdateResult>;
}

/** Splits an id list into pages, each id once, in order. */
export async function* pagesOfIds(deviceIds: readonly string[], pageSize: number): AsyncGenerator<string[]> {
  const unique = [...new Set(deviceIds)];
  for (let start = 0; start < unique.length; start += pageSize) {
    await Promise.resolve();
    yield unique.slice(start, start + pageSize);
  }
}

/** The gateway seen through a condition-only port whose twin patch carries its own etag (the jobs engine's shape). */
export interface ConditionGatewayView {
  resolveTargetsPage(queryCondition: string, page: TargetPageRequest): Promise<TargetPage>;
  invokeMethod(deviceId: string, call: MethodInvocation): Promise<MethodResult>;
  updateTwin(deviceId: string, patch: GatewayTwinPatch & { etag?: string }): Promise<void>;
  readTwin(deviceId: string): Promise<TwinContent>;
}

/** Adapts a DeviceGateway to {@link ConditionGatewayView}. */
export function conditionGatewayView(gateway: DeviceGateway): ConditionGatewayView {
  return {
    resolveTargetsPage: (queryCondition, page) => gateway.resolveTargetsPage(queryCondition, page),
    readTwin: (deviceId) => gateway.readTwin(deviceId),
    invokeMethod: (deviceId, call) => gateway.invokeMethod(deviceId, call),
    updateTwin: async (deviceId, { etag, ...patch }) => {
      await gateway.updateTwin(deviceId, patch, etag ?? '*');
    },
  };
}
