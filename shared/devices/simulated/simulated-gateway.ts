import { ArgumentInvalidError, isPlainObject } from '../../http';
import type { AppliedTwinPatch, JobDeviceGateway } from '../../jobs/ports';
import type { CloudToDeviceMethod, DeviceMethodResponse, TwinPatch } from '../../jobs/job-model';
import { parseCondition } from '../../query';
import { readMethodInvocation } from '../method-request';
import type { EmbeddedRegistry } from './embedded-registry';
import { readTwinBody } from './registry-bodies';
import { realSleep, simulateMethod, type Sleep } from './method-simulator';
import { matchingTwins } from './twin-query';

const DEFAULT_PAGE_SIZE = 100;

/** The gateway over the embedded registry, in process: simulated devices answer methods and report twins. */
export class SimulatedDeviceGateway implements JobDeviceGateway {
  constructor(
    private readonly registry: EmbeddedRegistry,
    private readonly sleep: Sleep = realSleep,
  ) {}

  async *resolveTargets(
    queryCondition: string,
    options: { pageSize?: number } = {},
  ): AsyncGenerator<string[]> {
    const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
    const where = parseCondition(queryCondition);
    // One continuous scan (or point reads), not a query restarted per page.
    let page: string[] = [];
    for await (const { twin } of matchingTwins(this.registry, where)) {
      page.push(twin.deviceId);
      if (page.length === pageSize) {
        yield page;
        page = [];
      }
    }
    if (page.length > 0) yield page;
  }

  async invokeMethod(deviceId: string, method: CloudToDeviceMethod): Promise<DeviceMethodResponse> {
    return await simulateMethod(this.registry, deviceId, readMethodInvocation(method), this.sleep);
  }

  async applyTwinPatch(deviceId: string, { etag, ...patch }: TwinPatch): Promise<AppliedTwinPatch> {
    if (!isPlainObject(patch)) throw new ArgumentInvalidError('The twin patch must be an object.');
    const change = readTwinBody(patch, true);
    const twin = await this.registry.updateTwin(deviceId, change, 'patch', etag === '*' ? undefined : etag);
    return { etag: twin.etag, version: twin.version };
  }
}
