import { ArgumentInvalidError, isPlainObject } from '../../http';
import { parseCondition } from '../../query';
import type { DeviceRegistryRepository } from '../../storage/device-registry.repository';
import {
  pagesOfIds,
  type DeviceGateway,
  type GatewayTwinPatch,
  type MethodInvocation,
  type MethodResult,
  type TargetSelection,
  type TwinUpdateResult,
} from '../device-gateway';
import { readMethodInvocation } from '../method-request';
import type { EmbeddedRegistry } from './embedded-registry';
import { readTwinBody } from './embedded-registry';
import { realSleep, simulateMethod, type Sleep } from './method-simulator';
import { queryTwins } from './twin-query';

const DEFAULT_PAGE_SIZE = 100;

/** The gateway over the embedded registry, in process: simulated devices answer methods and report twins. */
export class SimulatedDeviceGateway implements DeviceGateway {
  constructor(
    private readonly registry: EmbeddedRegistry,
    private readonly repository: DeviceRegistryRepository,
    private readonly sleep: Sleep = realSleep,
  ) {}

  async *resolveTargets(
    selection: TargetSelection,
    options: { pageSize?: number } = {},
  ): AsyncGenerator<string[]> {
    const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
    if ('deviceIds' in selection) {
      yield* pagesOfIds(selection.deviceIds, pageSize);
      return;
    }
    const where = parseCondition(selection.condition);
    const query = { projection: { kind: 'all' as const }, source: 'devices' as const, where, groupBy: [] };
    let continuation: string | undefined;
    do {
      const page = await queryTwins(this.registry, this.repository, query, {
        maxItemCount: pageSize,
        continuation,
      });
      const ids = page.items.map((twin) => (isPlainObject(twin) ? String(twin.deviceId) : ''));
      if (ids.length > 0) yield ids;
      continuation = page.continuation;
    } while (continuation !== undefined);
  }

  async invokeMethod(deviceId: string, call: MethodInvocation): Promise<MethodResult> {
    return await simulateMethod(this.registry, deviceId, readMethodInvocation(call), this.sleep);
  }

  async updateTwin(deviceId: string, patch: GatewayTwinPatch, etag = '*'): Promise<TwinUpdateResult> {
    if (!isPlainObject(patch)) throw new ArgumentInvalidError('The twin patch must be an object.');
    const change = readTwinBody(patch, true);
    const twin = await this.registry.updateTwin(deviceId, change, 'patch', etag === '*' ? undefined : etag);
    return { deviceId, etag: twin.etag, version: twin.version };
  }
}
