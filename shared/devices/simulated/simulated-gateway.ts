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
import { matchingTwins } from './twin-query';

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
    // One continuous scan (or point reads), not a query restarted per page.
    let page: string[] = [];
    for await (const { twin } of matchingTwins(
      this.registry,
      this.repository,
      parseCondition(selection.condition),
    )) {
      page.push(twin.deviceId);
      if (page.length === pageSize) {
        yield page;
        page = [];
      }
    }
    if (page.length > 0) yield page;
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
