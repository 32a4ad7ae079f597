import { ArgumentInvalidError, isPlainObject } from '../../http';
import { parseCondition, parseQuery } from '../../query';
import type { DeviceRegistryRepository } from '../../storage/device-registry.repository';
import {
  pagesOfIds,
  type DeviceGateway,
  type GatewayTwinPatch,
  type MethodInvocation,
  type MethodResult,
  type TargetPage,
  type TargetPageRequest,
  type TargetSelection,
  type TwinContent,
  type TwinUpdateResult,
} from '../device-gateway';
import { readMethodInvocation } from '../method-request';
import type { EmbeddedRegistry } from './embedded-registry';
import { readTwinBody } from './embedded-registry';
import { realSleep, simulateMethod, type Sleep } from './method-simulator';
import { matchingTwins, queryTwins } from './twin-query';

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

  async resolveTargetsPage(condition: string, page: TargetPageRequest): Promise<TargetPage> {
    const where = condition.trim() === '*' ? '' : ` WHERE ${condition}`;
    const result = await queryTwins(
      this.registry,
      this.repository,
      parseQuery(`SELECT deviceId FROM devices${where}`),
      page.continuation === undefined
        ? { maxItems: page.maxItems }
        : { maxItems: page.maxItems, continuationToken: page.continuation },
    );
    const deviceIds = result.items.map((item) => (item as { deviceId: string }).deviceId);
    return result.continuationToken ? { deviceIds, continuation: result.continuationToken } : { deviceIds };
  }

  async readTwin(deviceId: string): Promise<TwinContent> {
    const { record } = await this.registry.read(deviceId);
    const twin = this.registry.toTwinWire(record);
    return { tags: twin.tags, desired: twin.properties.desired };
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
