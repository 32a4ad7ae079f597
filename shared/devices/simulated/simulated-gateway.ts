import type {
  AppliedTwinPatch,
  JobDeviceGateway,
  TargetPage,
  ReadTwin,
  TargetPageRequest,
  TwinConditionCheck,
} from '../../jobs/core/ports';
import { twinConditionHolds } from '../twin-condition';
import type { CloudToDeviceMethod, DeviceMethodResponse, TwinPatch } from '../../jobs/core/job-model';
import { parseQuery, type ScalarType } from '../../query';
import { readMethodInvocation } from '../method-request';
import type { EmbeddedRegistry } from './embedded-registry';
import { readTwinBody } from './registry-bodies';
import { realSleep, type Sleep } from './method-simulator';
import { invokeDeviceMethod } from '../device-methods';
import { queryTwins } from './twin-query';
import { DEFAULT_RESOLVED_DEVICES_OPTIONS, ResolvedDevices } from './resolved-devices';
import type { DeviceTiming } from '../../jobs/core/job-estimate';
import { isReal } from '../real-device';
import { profileTiming } from './simulation-timing';

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

  async deviceTimings(
    deviceIds: readonly string[],
    method: { methodName: string; responseTimeoutInSeconds: number } | undefined,
  ): Promise<Map<string, DeviceTiming>> {
    const stored = new Map(
      (await this.registry.repository.getMany(deviceIds)).map((device) => [device.record.deviceId, device]),
    );
    const timings = new Map<string, DeviceTiming>();
    for (const deviceId of deviceIds) {
      const device = stored.get(deviceId);
      // A device not in the registry fails at once (DeviceNotFound); a real one is known only by its history.
      if (!device)
        timings.set(deviceId, { latencySeconds: 0, failureRate: 1, timeoutRate: 0, timeoutSeconds: 0 });
      else if (!isReal(device.record)) {
        const record = this.registry.current(device.record);
        timings.set(deviceId, profileTiming(record, this.registry.profileOf(record), method));
      }
    }
    return timings;
  }

  async readTwin(deviceId: string): Promise<ReadTwin> {
    const twin = await this.registry.getTwin(deviceId);
    return { tags: twin.tags, desired: twin.properties.desired, etag: twin.etag };
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
    const change = readTwinBody(patch, true);
    const known = this.resolved.takeForWrite(deviceId);
    const { twin, before } = await this.registry.changeTwin(
      deviceId,
      change,
      'patch',
      etag === '*' ? undefined : etag,
      known,
    );
    // The twin the write replaced: what the patch overwrote comes with the write, at no extra read.
    const previous = { tags: before.tags, desired: before.desired.values };
    return { etag: twin.etag, version: twin.version, previous };
  }
}
