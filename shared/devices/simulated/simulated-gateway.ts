import { ArgumentInvalidError, isPlainObject } from '../../http';
import type {
  AppliedTwinPatch,
  JobDeviceGateway,
  TargetPage,
  TargetPageRequest,
  TwinConditionCheck,
  TwinContent,
} from '../../jobs/ports';
import { twinConditionHolds } from '../twin-condition';
import type { CloudToDeviceMethod, DeviceMethodResponse, TwinPatch } from '../../jobs/job-model';
import { parseQuery, type ScalarType } from '../../query';
import { readMethodInvocation } from '../method-request';
import type { EmbeddedRegistry } from './embedded-registry';
import { readTwinBody } from './registry-bodies';
import { realSleep, type Sleep } from './method-simulator';
import { invokeDeviceMethod } from '../device-methods';
import { queryTwins } from './twin-query';
import { DEFAULT_RESOLVED_DEVICES_OPTIONS, ResolvedDevices } from './resolved-devices';

/**
 * The gateway over the embedded registry, in process: simulated devices answer methods and report twins. The
 * rows a target query reads are kept briefly for the calls that follow it (one registry read per device, not two).
 */
export class SimulatedDeviceGateway implements JobDeviceGateway {
  private readonly resolved: ResolvedDevices;

  constructor(
    private readonly registry: EmbeddedRegistry,
    private readonly sleep: Sleep = realSleep,
  ) {
    this.resolved = new ResolvedDevices({ ...DEFAULT_RESOLVED_DEVICES_OPTIONS, now: registry.now });
  }

  async resolveTargetsPage(queryCondition: string, page: TargetPageRequest): Promise<TargetPage> {
    const where = queryCondition.trim() === '*' ? '' : ` WHERE ${queryCondition}`;
    const result = await queryTwins(
      this.registry,
      // The condition was held to the query length limit when the job was created; the wrapper adds to it.
      parseQuery(`SELECT deviceId FROM devices${where}`, { maxLength: Number.POSITIVE_INFINITY }),
      page.continuation === undefined
        ? { maxItems: page.maxItems }
        : { maxItems: page.maxItems, continuationToken: page.continuation },
      (stored) => this.resolved.keep(stored),
    );
    const deviceIds = result.items.map((item) => (item as { deviceId: string }).deviceId);
    return result.continuationToken ? { deviceIds, continuation: result.continuationToken } : { deviceIds };
  }

  tagValueTypes(indexPath: string): Promise<ScalarType[] | undefined> {
    return this.registry.repository.valueTypesAt?.(indexPath) ?? Promise.resolve(undefined);
  }

  async checkTwinCondition(deviceId: string, condition: string): Promise<TwinConditionCheck> {
    const { record } = await this.registry.read(deviceId);
    const holds = twinConditionHolds(condition, this.registry.toTwinWire(record));
    const due = record.reportDueAt;
    return due !== undefined && !holds && due > this.registry.now() ? { holds, recheckAt: due } : { holds };
  }

  async readTwin(deviceId: string): Promise<TwinContent> {
    const twin = await this.registry.getTwin(deviceId);
    return { tags: twin.tags, desired: twin.properties.desired };
  }

  async invokeMethod(
    deviceId: string,
    method: CloudToDeviceMethod,
    attempt = 1,
  ): Promise<DeviceMethodResponse> {
    const call = readMethodInvocation(method);
    const known = this.resolved.take(deviceId);
    return await invokeDeviceMethod(this.registry, deviceId, call, {
      sleep: this.sleep,
      attempt,
      ...(known ? { known } : {}),
    });
  }

  async applyTwinPatch(deviceId: string, { etag, ...patch }: TwinPatch): Promise<AppliedTwinPatch> {
    if (!isPlainObject(patch)) throw new ArgumentInvalidError('The twin patch must be an object.');
    const change = readTwinBody(patch, true);
    const known = this.resolved.take(deviceId);
    const twin = await this.registry.updateTwin(
      deviceId,
      change,
      'patch',
      etag === '*' ? undefined : etag,
      known,
    );
    return { etag: twin.etag, version: twin.version };
  }
}
