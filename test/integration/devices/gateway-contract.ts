import type { CloudToDeviceMethod } from '../../../shared/jobs/core/job-model';
import type { JobDeviceGateway } from '../../../shared/jobs/core/ports';
import { codeOf } from './code-of';

/** A bulk registry entry with the embedded registry's extension fields. */
export interface ContractDevice {
  id: string;
  tags?: Record<string, string | number>;
  simulation?: Record<string, unknown>;
}

export interface ContractSubject {
  gateway: JobDeviceGateway;
  /** Creates devices in the registry behind the gateway (default profile: ~10 ms latency, no failures). */
  addDevices(devices: ContractDevice[]): Promise<void>;
}

export const CONTRACT_FLEET: ContractDevice[] = [
  ...[1, 2, 3, 4, 5].map((n) => ({ id: `c-b43f3-${n}`, tags: { building: '43', floor: 3 } })),
  { id: 'c-b43f2', tags: { building: '43', floor: 2 } },
  { id: 'c-b7', tags: { building: '7', floor: 3 } },
  { id: 'c-offline', tags: { building: '9' }, simulation: { offline: true } },
  { id: 'c-slow', tags: { building: '9' }, simulation: { latencyMs: 6000 } },
  { id: 'c-failing', tags: { building: '9' }, simulation: { failureRate: 1 } },
  {
    id: 'c-reboot',
    tags: { building: '9' },
    simulation: { methods: { reboot: { status: 202, payload: { ok: true } } } },
  },
];

/** A job's method call: IoT Hub's defaults, then `extra`. */
function method(methodName: string, extra: Partial<CloudToDeviceMethod> = {}): CloudToDeviceMethod {
  return { methodName, payload: null, responseTimeoutInSeconds: 30, connectTimeoutInSeconds: 0, ...extra };
}

/** Every page of a condition's targets, each read from the continuation of the one before. */
async function collect(gateway: JobDeviceGateway, condition: string, maxItems = 100): Promise<string[][]> {
  const result: string[][] = [];
  let continuation: string | undefined;
  do {
    const page = await gateway.resolveTargetsPage(
      condition,
      continuation === undefined ? { maxItems } : { maxItems, continuation },
    );
    result.push(page.deviceIds);
    continuation = page.continuation;
  } while (continuation !== undefined);
  return result;
}

/** The JobDeviceGateway contract, run against every adapter. */
export function gatewayContract(subject: () => ContractSubject): void {
  beforeAll(async () => {
    await subject().addDevices(CONTRACT_FLEET);
  });

  describe('resolveTargetsPage', () => {
    it('pages the devices a condition selects, each page resumable from the one before', async () => {
      const pages = await collect(subject().gateway, "tags.building = '43' AND tags.floor = 3", 2);
      expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
      expect(pages.flat().sort()).toEqual(['c-b43f3-1', 'c-b43f3-2', 'c-b43f3-3', 'c-b43f3-4', 'c-b43f3-5']);
    });

    it('selects every device with *', async () => {
      const ids = (await collect(subject().gateway, '*')).flat();
      for (const device of CONTRACT_FLEET) expect(ids).toContain(device.id);
      expect(new Set(ids).size).toBe(ids.length);
    });

    it('refuses a condition that does not parse', async () => {
      expect(await codeOf(collect(subject().gateway, 'tags.building = '))).toBe('ArgumentInvalid');
    });
  });

  describe('invokeMethod', () => {
    it('returns what the device answers', async () => {
      const { gateway } = subject();
      expect(
        await gateway.invokeMethod('c-reboot', method('reboot', { responseTimeoutInSeconds: 5 })),
      ).toEqual({
        status: 202,
        payload: { ok: true },
      });
      expect(await gateway.invokeMethod('c-b7', method('ping', { payload: { n: 1 } }))).toEqual({
        status: 200,
        payload: { methodName: 'ping', echo: { n: 1 } },
      });
      expect((await gateway.invokeMethod('c-failing', method('reboot'))).status).toBe(500);
    });

    it('fails with DeviceNotOnline, DeviceNotFound and ArgumentInvalid', async () => {
      const { gateway } = subject();
      expect(await codeOf(gateway.invokeMethod('c-offline', method('reboot')))).toBe('DeviceNotOnline');
      expect(await codeOf(gateway.invokeMethod('c-missing', method('reboot')))).toBe('DeviceNotFound');
      expect(await codeOf(gateway.invokeMethod('c-b7', method('x', { responseTimeoutInSeconds: 1 })))).toBe(
        'ArgumentInvalid',
      );
    });

    it('fails with GatewayTimeout when the device answers after the response timeout', async () => {
      const started = Date.now();
      expect(
        await codeOf(
          subject().gateway.invokeMethod('c-slow', method('reboot', { responseTimeoutInSeconds: 5 })),
        ),
      ).toBe('GatewayTimeout');
      expect(Date.now() - started).toBeGreaterThanOrEqual(4900);
    }, 20_000);
  });

  describe('applyTwinPatch', () => {
    it('patches tags and desired properties, with * or the current etag', async () => {
      const { gateway } = subject();
      // Tags only: a desired patch makes the simulated device report back, which changes the etag again.
      const first = await gateway.applyTwinPatch('c-b43f2', { tags: { floor: 4 } });
      const second = await gateway.applyTwinPatch('c-b43f2', { tags: { wing: 'north' }, etag: first.etag });
      expect(second.version).toBeGreaterThan(first.version);
      expect(second.etag).not.toBe(first.etag);
      const desired = await gateway.applyTwinPatch('c-b43f2', {
        properties: { desired: { interval: 5 } },
        etag: '*',
      });
      expect(desired.version).toBeGreaterThan(second.version);
      // Each write answers the twin it replaced: what a rollback restores.
      expect(second.previous.tags).toMatchObject({ building: '43', floor: 4 });
      expect(second.previous.tags).not.toHaveProperty('wing');
      expect(desired.previous.tags).toMatchObject({ wing: 'north' });
      expect(desired.previous.desired).not.toHaveProperty('interval');
      const moved = (await collect(gateway, "tags.wing = 'north' AND tags.floor = 4")).flat();
      expect(moved).toEqual(['c-b43f2']);
      const twin = await gateway.readTwin('c-b43f2');
      expect(twin.tags).toMatchObject({ building: '43', floor: 4, wing: 'north' });
      expect(twin.desired).toMatchObject({ interval: 5 });
    });

    it('writes at the etag readTwin answers, and not once the twin moved on', async () => {
      const { gateway } = subject();
      const read = await gateway.readTwin('c-b7');
      await gateway.applyTwinPatch('c-b7', { tags: { read: 1 }, etag: read.etag });
      expect(await codeOf(gateway.applyTwinPatch('c-b7', { tags: { read: 2 }, etag: read.etag }))).toBe(
        'PreconditionFailed',
      );
    });

    it('fails with PreconditionFailed on a stale etag and DeviceNotFound for a missing device', async () => {
      const { gateway } = subject();
      const current = await gateway.applyTwinPatch('c-b7', { tags: { touched: 1 } });
      await gateway.applyTwinPatch('c-b7', { tags: { touched: 2 } });
      expect(await codeOf(gateway.applyTwinPatch('c-b7', { tags: { touched: 3 }, etag: current.etag }))).toBe(
        'PreconditionFailed',
      );
      expect(await codeOf(gateway.applyTwinPatch('c-missing', { tags: { a: 1 } }))).toBe('DeviceNotFound');
    });

    it('refuses patches beyond twin rules', async () => {
      expect(await codeOf(subject().gateway.applyTwinPatch('c-b7', { tags: { 'bad.key': 1 } }))).toBe(
        'ArgumentInvalid',
      );
    });
  });
}
