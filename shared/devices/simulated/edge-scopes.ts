import { ArgumentInvalidError } from '../../http';
import type { DeviceRecord } from '../device-model';

const SCOPE_PREFIX = 'ms-azure-iot-edge://';

/** The scope IoT Hub gives an IoT Edge device: `ms-azure-iot-edge://<deviceId>-<generationId>`. */
export function edgeScopeOf(device: { deviceId: string; generationId: string }): string {
  return `${SCOPE_PREFIX}${device.deviceId}-${device.generationId}`;
}

/** The device id a scope names (the generation id after the last `-` is digits), or undefined. */
export function edgeIdOfScope(scope: string): string | undefined {
  const match = /^ms-azure-iot-edge:\/\/(.+)-(\d+)$/.exec(scope);
  return match?.[1];
}

/** The generation id of `scope` when it is the scope an edge device `record` would own under that generation. */
export function ownScopeGeneration(record: DeviceRecord, scope: string): string | undefined {
  if (!record.capabilities.iotEdge) return undefined;
  const match = /^ms-azure-iot-edge:\/\/(.+)-(\d+)$/.exec(scope);
  return match?.[1] === record.deviceId ? match[2] : undefined;
}

/** What a request says about scopes: `undefined` keeps what the device has (the SDK may not send them). */
export interface ScopeInput {
  deviceScope: string | undefined;
  parentScopes: string[] | undefined;
}

/**
 * The scopes a device holds after a create or an update, as IoT Hub keeps them: an edge device's `deviceScope` is
 * its own (assigned, never taken from the request) and its `parentScopes` name its parent edge; a leaf device's
 * `deviceScope` is its parent edge's scope and `parentScopes` repeats it. Fields the request leaves out keep the
 * device's values (`previous`).
 */
export function resolveScopes(
  device: { deviceId: string; generationId: string; iotEdge: boolean },
  input: ScopeInput,
  previous?: { deviceScope?: string; parentScopes?: string[] },
): { deviceScope?: string; parentScopes?: string[] } {
  if (device.iotEdge) {
    const parents = input.parentScopes ?? previous?.parentScopes ?? [];
    return { deviceScope: edgeScopeOf(device), parentScopes: [...parents] };
  }
  const requested = input.deviceScope ?? input.parentScopes?.[0];
  const wasEdge = previous?.deviceScope === edgeScopeOf(device);
  const scope = requested ?? (wasEdge ? undefined : previous?.deviceScope);
  return scope ? { deviceScope: scope, parentScopes: [scope] } : { parentScopes: [] };
}

/** The scopes `scopes` names that no edge device of `owners` owns; each is refused with its reason. */
export function checkScopeOwners(
  deviceId: string,
  scopes: readonly string[],
  owners: ReadonlyMap<string, DeviceRecord | undefined>,
): void {
  for (const scope of scopes) {
    const ownerId = edgeIdOfScope(scope);
    const owner = ownerId === undefined ? undefined : owners.get(ownerId);
    if (!owner || !owner.capabilities.iotEdge || edgeScopeOf(owner) !== scope) {
      throw new ArgumentInvalidError(
        `Device ${deviceId}: scope '${scope}' is owned by no IoT Edge device of this registry.`,
      );
    }
    if (owner.deviceId === deviceId) {
      throw new ArgumentInvalidError(`Device ${deviceId}: a device cannot be its own parent.`);
    }
  }
}

/** The scopes of a device that name a parent edge (checked against their owners when they change). */
export function parentScopesOf(record: DeviceRecord): string[] {
  if (record.capabilities.iotEdge) return [...(record.parentScopes ?? [])];
  return record.deviceScope ? [record.deviceScope] : [];
}
